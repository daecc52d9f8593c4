-- Enrichment by cells, stage 3: the same values as pg_temp.enrich_point (enrich_points.sql) for a
-- batch of points (xs[i], ys[i]) of one cell that stage 1 looked at, using what the cell settled.
-- One call per cell (geo/enrich.py), so the plan is set up once for all the cell's points and
-- the cell's candidates are read once.
--  * country, corridor, sea area: fixed for the whole cell, or (a mixed cell) tested piece by
--    piece against all the batch's points: the same piece is tested many times in a row, so
--    PostGIS prepares it once. Ties are broken as in enrich_points.sql.
--  * nearest land border and coast: the 4 nearest of the cell's few clipped candidates, re-ranked
--    in km exactly as in enrich_points.sql; a cell with at most 4 candidates of a kind needs no
--    ranking (they are the 4 nearest of every point in it).
-- Points near the antimeridian never come here (geo/enrich.py sends them to enrich_point).
CREATE FUNCTION pg_temp.enrich_cell_batch(
    cx integer, cy integer, xs double precision[], ys double precision[],
    inside_fixed boolean, fixed_iso3 text, corridor_fixed boolean, fixed_corridor integer,
    sea_fixed boolean, fixed_sea text
)
RETURNS TABLE (
    x double precision, y double precision, inside_iso3 text, border_id integer,
    border_pair text, border_km double precision, coast_iso3 text, coast_km double precision,
    corridor_id integer, sea_area text
)
LANGUAGE sql STABLE PARALLEL SAFE ROWS 256
-- A SET clause keeps the planner from inlining this function into the calling query, where
-- the per-batch work would run in the leader only instead of in the parallel workers.
SET jit = off
AS $fn$
WITH border_cands AS MATERIALIZED (
    SELECT k.ref_id, k.label, k.geom FROM {cands} k
    WHERE k.cx = enrich_cell_batch.cx AND k.cy = enrich_cell_batch.cy AND k.kind = 'b'
), coast_cands AS MATERIALIZED (
    SELECT k.label, k.geom FROM {cands} k
    WHERE k.cx = enrich_cell_batch.cx AND k.cy = enrich_cell_batch.cy AND k.kind = 'c'
), ranked AS MATERIALIZED (
    SELECT (SELECT count(*) FROM border_cands) > 4 AS border, (SELECT count(*) FROM coast_cands) > 4 AS coast
), pts AS MATERIALIZED (
    SELECT u.i, u.x, u.y, ST_SetSRID(ST_MakePoint(u.x, u.y), 4326) AS g
    FROM unnest(xs, ys) WITH ORDINALITY AS u (x, y, i)
), box AS MATERIALIZED (
    SELECT ST_SetSRID(ST_MakeBox2D(ST_MakePoint(min(x), min(y)), ST_MakePoint(max(x), max(y))),
                      4326) AS env
    FROM pts
), inside AS (
    SELECT DISTINCT ON (p.i) p.i, cp.iso3
    FROM (SELECT cp.iso3, cp.geom FROM country_parts cp, box
          WHERE NOT inside_fixed AND cp.geom && box.env OFFSET 0) cp
    JOIN pts p ON ST_Intersects(cp.geom, p.g)
    ORDER BY p.i, cp.iso3
), corridor AS (
    SELECT DISTINCT ON (p.i) p.i, cp.id
    FROM (SELECT cp.geom, c.id, c.priority, c.area_km2, c.slug
          FROM corridor_parts cp JOIN corridors c ON c.id = cp.corridor_id, box
          WHERE NOT corridor_fixed AND cp.geom && box.env OFFSET 0) cp
    JOIN pts p ON ST_Intersects(cp.geom, p.g)
    ORDER BY p.i, cp.priority DESC, cp.area_km2, cp.slug
), sea AS (
    SELECT DISTINCT ON (p.i) p.i, sp.slug
    FROM (SELECT sp.geom, sp.slug, sp.area_km2 FROM sea_area_parts sp, box
          WHERE NOT sea_fixed AND sp.geom && box.env OFFSET 0) sp
    JOIN pts p ON ST_Intersects(sp.geom, p.g)
    ORDER BY p.i, sp.area_km2, sp.slug
)
SELECT p.x, p.y, inside.iso3, border.ref_id, border.label, border.km, coast.label, coast.km,
       CASE WHEN corridor_fixed THEN fixed_corridor ELSE corridor.id END,
       CASE WHEN inside.iso3 IS NOT NULL THEN NULL
            WHEN sea_fixed THEN fixed_sea
            ELSE sea.slug
       END
FROM pts p
LEFT JOIN inside AS mixed ON mixed.i = p.i
CROSS JOIN LATERAL (
    SELECT CASE WHEN inside_fixed THEN fixed_iso3 ELSE mixed.iso3 END AS iso3
) inside
LEFT JOIN corridor ON corridor.i = p.i
LEFT JOIN sea ON sea.i = p.i
CROSS JOIN ranked
LEFT JOIN LATERAL (
    SELECT knn.ref_id, knn.label, knn.km
    FROM (
        SELECT k.ref_id, k.label,
               ST_DistanceSphere(p.g, ST_ClosestPoint(k.geom, p.g)) / 1000.0 AS km
        FROM border_cands k
        ORDER BY CASE WHEN ranked.border THEN ST_Distance(k.geom, p.g) END
        LIMIT 4
    ) knn
    ORDER BY knn.km, knn.ref_id
    LIMIT 1
) border ON true
LEFT JOIN LATERAL (
    SELECT knn.label, knn.km
    FROM (
        SELECT k.label, ST_DistanceSphere(p.g, ST_ClosestPoint(k.geom, p.g)) / 1000.0 AS km
        FROM coast_cands k
        ORDER BY CASE WHEN ranked.coast THEN ST_Distance(k.geom, p.g) END
        LIMIT 4
    ) knn
    ORDER BY knn.km, knn.label
    LIMIT 1
) coast ON true
$fn$
