-- Sea areas from the catalogue (_sea_area_meta: see boundaries/sea_areas.py and the header of
-- sea_areas.toml). Run after countries.sql: seas are clipped by land here.
-- 1. Drawn polygons, wrapped at the antimeridian: parts drawn past 180 move by -360.
CREATE TEMP TABLE _sea_raw ON COMMIT DROP AS
SELECT m.slug, ST_MakeValid(ST_WrapX(ST_GeomFromText(m.wkt, 4326), 180, -360)) AS geom
FROM _sea_area_meta m
;
-- 2. Fill oceans (the Pacific bands) lose every drawn ocean, so the oceans tile the globe.
UPDATE _sea_raw r
SET geom = ST_MakeValid(ST_Difference(r.geom, o.geom))
FROM _sea_area_meta m,
     (SELECT ST_Union(r2.geom) AS geom
      FROM _sea_raw r2 JOIN _sea_area_meta m2 USING (slug)
      WHERE m2.kind = 'ocean' AND NOT m2.fill) o
WHERE m.slug = r.slug AND m.fill
;
-- 3. Seas, gulfs, straits... are clipped by land, 5-degree cell by cell: each cell loses the
-- country pieces (at most 128 vertices each) that touch it, so no large union of coastlines is
-- built. Oceans are stored as drawn: clipping them costs ~30 s per load and changes no lookup
-- (enrichment only names points outside every country); their area_km2 includes land.
CREATE TEMP TABLE _sea_clipped ON COMMIT DROP AS
WITH cells AS (
    SELECT r.slug, ST_Intersection(r.geom, g.geom) AS geom
    FROM _sea_raw r
    JOIN _sea_area_meta m USING (slug)
    CROSS JOIN LATERAL ST_SquareGrid(5, r.geom) AS g
    WHERE m.kind <> 'ocean' AND ST_Intersects(r.geom, g.geom)
),
clipped AS (
    SELECT c.slug,
           coalesce(ST_Difference(c.geom, (SELECT ST_Union(p.geom) FROM country_parts p
                                          WHERE p.geom && c.geom
                                            AND ST_Intersects(p.geom, c.geom))),
                    c.geom) AS geom
    FROM cells c
)
SELECT slug, ST_Union(geom) AS geom FROM clipped GROUP BY slug
UNION ALL
SELECT r.slug, r.geom FROM _sea_raw r JOIN _sea_area_meta m USING (slug) WHERE m.kind = 'ocean'
;
-- Areas in km2 summed over 10-degree cells, each edge segmentized to 0.5 degree first: a
-- geography polygon cannot have an edge from -180 to 180 (the Arctic band would measure 0),
-- and the catalogue's edges along parallels are parallels, not great circles.
INSERT INTO sea_areas (slug, name, kind, area_km2, catalogue_version, geom)
SELECT m.slug, m.name, m.kind, a.km2, m.catalogue_version, g.geom
FROM _sea_area_meta m
JOIN (SELECT slug, pg_temp.served_polygon(geom) AS geom  -- as served (polygons.sql)
      FROM _sea_clipped) g USING (slug)
CROSS JOIN LATERAL (
    SELECT sum(ST_Area(ST_Segmentize(ST_Intersection(g.geom, cell.geom), 0.5)::geography))
           / 1e6 AS km2
    FROM ST_SquareGrid(10, g.geom) AS cell
    WHERE ST_Intersects(g.geom, cell.geom)
) a
WHERE NOT ST_IsEmpty(g.geom)
ORDER BY m.slug
;
-- Lookup pieces: the drawn polygons (after wrap and fill), at most 128 vertices each. Not the
-- clipped ones: enrichment only looks up points outside every country, where both give the same
-- answer, and drawn pieces have a handful of vertices instead of coastline detail.
INSERT INTO sea_area_parts (sea_area_id, slug, area_km2, geom)
SELECT s.id, s.slug, s.area_km2, (ST_Dump(ST_CollectionExtract(part, 3))).geom
FROM sea_areas s
JOIN _sea_raw r USING (slug),
LATERAL ST_Subdivide(r.geom, 128) AS part
