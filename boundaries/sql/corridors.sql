-- Corridor geometries from their recipes (_corridor_meta, _corridor_pieces: see load.py and the
-- header of corridors.toml). Lines are cut into pieces of at most ~100 km before a geography
-- buffer, so every buffer is computed in a local projection and its km are true km.
CREATE TEMP TABLE _corridor_geoms ON COMMIT DROP AS
WITH lines AS (
    SELECT p.slug, p.buffer_km, lbp.geom
    FROM _corridor_pieces p
    JOIN land_borders lb ON p.kind = 'border' AND lb.pair = ANY (p.pairs)
    JOIN land_border_parts lbp ON lbp.border_id = lb.id
    UNION ALL
    SELECT p.slug, p.buffer_km, seg.geom
    FROM _corridor_pieces p
    JOIN sea_routes sr ON p.kind = 'sea_route'
        AND (sr.slug = ANY (p.route_slugs) OR (p.route_slugs IS NULL AND sr.corridor_slug = p.slug))
    CROSS JOIN LATERAL ST_Subdivide(ST_Segmentize(sr.geom::geography, 100000)::geometry, 8) AS seg(geom)
),
pieces AS (
    SELECT slug, ST_Buffer(geom::geography, buffer_km * 1000.0, 'quad_segs=8')::geometry AS geom
    FROM lines
    UNION ALL
    SELECT p.slug,
           CASE WHEN p.bbox IS NULL THEN c.geom
                ELSE ST_Intersection(c.geom, ST_MakeEnvelope(p.bbox[1], p.bbox[2], p.bbox[3], p.bbox[4], 4326))
           END
    FROM _corridor_pieces p
    JOIN countries c ON p.kind = 'transit' AND c.iso3 = p.iso3
    UNION ALL
    SELECT slug, coalesce(ST_GeomFromText(wkt, 4326),
                          ST_MakeEnvelope(bbox[1], bbox[2], bbox[3], bbox[4], 4326))
    FROM _corridor_pieces
    WHERE kind = 'area'
),
unioned AS (
    SELECT slug, ST_Union(geom) AS geom FROM pieces GROUP BY slug
)
SELECT m.slug,
       pg_temp.served_polygon(  -- valid after the 6 decimals served, RFC 7946 rings (polygons.sql)
           CASE WHEN m.clip_bbox IS NULL THEN u.geom
                ELSE ST_Intersection(u.geom, ST_MakeEnvelope(m.clip_bbox[1], m.clip_bbox[2],
                                                              m.clip_bbox[3], m.clip_bbox[4], 4326))
           END) AS geom
FROM _corridor_meta m
JOIN unioned u USING (slug)
;
INSERT INTO corridors (slug, name, kind, region, description, countries, mmp_routes, priority,
                       area_km2, catalogue_version, geom)
SELECT m.slug, m.name, m.kind, m.region, m.description, m.countries, m.mmp_routes, m.priority,
       ST_Area(g.geom::geography) / 1e6, m.catalogue_version, g.geom
FROM _corridor_meta m
JOIN _corridor_geoms g USING (slug)
WHERE NOT ST_IsEmpty(g.geom)
;
-- Pieces of at most 128 vertices for point-in-polygon at enrichment time.
INSERT INTO corridor_parts (corridor_id, geom)
SELECT c.id, (ST_Dump(part)).geom
FROM corridors c, LATERAL ST_Subdivide(c.geom, 128) AS part
