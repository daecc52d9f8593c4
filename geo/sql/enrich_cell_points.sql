-- Enrichment by cells, stage 3: the same values as pg_temp.enrich_point (enrich_points.sql) for
-- a point in a cell that stage 1 looked at, using what the cell settled: the country, the
-- corridor and the sea area only need a point-in-polygon test where the cell is mixed, and the
-- 4 nearest border and coast pieces are ranked among the cell's few clipped candidates instead
-- of a KNN scan of every piece. Re-ranking in km is the same as in enrich_points.sql. Points
-- near the antimeridian never come here (geo/enrich.py sends them to enrich_point).
CREATE FUNCTION pg_temp.enrich_cell_point(
    x double precision, y double precision, cx integer, cy integer,
    inside_fixed boolean, fixed_iso3 text, corridor_fixed boolean, fixed_corridor integer,
    sea_fixed boolean, fixed_sea text,
    OUT inside_iso3 text, OUT border_id integer, OUT border_pair text,
    OUT border_km double precision, OUT coast_iso3 text, OUT coast_km double precision,
    OUT corridor_id integer, OUT sea_area text
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
SELECT inside.iso3,
       border.ref_id, border.pair, border.km, coast.iso3, coast.km,
       CASE WHEN corridor_fixed THEN fixed_corridor
            ELSE (SELECT c.id
                  FROM corridor_parts p
                  JOIN corridors c ON c.id = p.corridor_id
                  WHERE ST_Intersects(p.geom, pt.geom)
                  ORDER BY c.priority DESC, c.area_km2, c.slug
                  LIMIT 1)
       END,
       CASE WHEN inside.iso3 IS NOT NULL THEN NULL
            WHEN sea_fixed THEN fixed_sea
            ELSE (SELECT p.slug
                  FROM sea_area_parts p
                  WHERE ST_Intersects(p.geom, pt.geom)
                  ORDER BY p.area_km2, p.slug
                  LIMIT 1)
       END
FROM (SELECT ST_SetSRID(ST_MakePoint(x, y), 4326) AS geom) pt
CROSS JOIN LATERAL (
    SELECT CASE WHEN inside_fixed THEN fixed_iso3
                ELSE (SELECT p.iso3 FROM country_parts p
                      WHERE ST_Intersects(p.geom, pt.geom) LIMIT 1)
           END AS iso3
) inside
LEFT JOIN LATERAL (
    SELECT knn.ref_id, knn.label AS pair, knn.km
    FROM (
        SELECT k.ref_id, k.label, ST_DistanceSphere(pt.geom, ST_ClosestPoint(k.geom, pt.geom)) / 1000.0 AS km
        FROM {cands} k
        WHERE k.cx = enrich_cell_point.cx AND k.cy = enrich_cell_point.cy AND k.kind = 'b'
        ORDER BY ST_Distance(k.geom, pt.geom)
        LIMIT 4
    ) knn
    ORDER BY knn.km, knn.ref_id
    LIMIT 1
) border ON true
LEFT JOIN LATERAL (
    SELECT knn.label AS iso3, knn.km
    FROM (
        SELECT k.label, ST_DistanceSphere(pt.geom, ST_ClosestPoint(k.geom, pt.geom)) / 1000.0 AS km
        FROM {cands} k
        WHERE k.cx = enrich_cell_point.cx AND k.cy = enrich_cell_point.cy AND k.kind = 'c'
        ORDER BY ST_Distance(k.geom, pt.geom)
        LIMIT 4
    ) knn
    ORDER BY knn.km, knn.label
    LIMIT 1
) coast ON true
$fn$
