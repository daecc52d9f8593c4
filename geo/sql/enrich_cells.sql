-- Enrichment by cells, stage 1 (geo/enrich.py): what one grid cell (cx, cy) of side s degrees
-- settles for every point in it, so the per-point lookup (enrich_cell_points.sql) does less.
-- All of it is exact, not an approximation:
--  * inside_fixed: no country piece meets the cell (every point is on water: inside_iso3 NULL),
--    or exactly one piece meets it and covers it (every point is inside that country).
--  * corridor_fixed: every corridor piece that meets the cell covers it, so every point lies in
--    exactly those corridors and gets the same one (corridor_id; NULL when none meets it).
--  * sea_fixed: the best-ranked sea area meeting the cell (smallest, then slug) has one piece
--    that covers the cell, so it is the sea area of every point of it that lies inside no
--    country (sea_area; NULL with sea_fixed when no sea area meets the cell). Pieces of other,
--    better-ranked areas do not meet the cell at all.
--  * border_rad, coast_rad: a search distance (degrees) around the cell's square that holds the
--    4 nearest pieces of every point p in the cell. With c the centre, r the half-diagonal and
--    d4(c) the 4th nearest distance from c: d4(p) <= d4(c) + r, so a piece among p's 4 nearest
--    is within d4(p) <= d4(c) + r of p, hence of the square.
-- The cell is widened by a hair (1e-9 degrees, on env and on r) so that a point whose
-- floor(x / s) rounds it into the cell is always within it; widening only makes a cell less
-- often fixed and its candidate area larger, never wrong.
CREATE FUNCTION pg_temp.enrich_cell(
    cx integer, cy integer, s double precision,
    OUT inside_fixed boolean, OUT inside_iso3 text,
    OUT corridor_fixed boolean, OUT corridor_id integer,
    OUT border_rad double precision, OUT coast_rad double precision,
    OUT sea_fixed boolean, OUT sea_area text
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
WITH cell AS (
    SELECT ST_Expand(ST_MakeEnvelope(cx * s, cy * s, (cx + 1) * s, (cy + 1) * s, 4326),
                     1e-9) AS env,
           ST_SetSRID(ST_MakePoint((cx + 0.5) * s, (cy + 0.5) * s), 4326) AS c,
           s * sqrt(2.0) / 2 + 2e-9 AS r
)
SELECT inside.fixed, inside.iso3, corridor.fixed, corridor.id,
       (SELECT max(k.d) FROM (SELECT ST_Distance(p.geom, cell.c) AS d FROM land_border_parts p
                              ORDER BY p.geom <-> cell.c LIMIT 4) k) + cell.r,
       (SELECT max(k.d) FROM (SELECT ST_Distance(p.geom, cell.c) AS d FROM coastline_parts p
                              ORDER BY p.geom <-> cell.c LIMIT 4) k) + cell.r,
       sea.fixed, sea.slug
FROM cell
CROSS JOIN LATERAL (
    SELECT count(*) = 0 OR (count(*) = 1 AND bool_and(ST_Covers(p.geom, cell.env))) AS fixed,
           min(p.iso3) AS iso3
    FROM country_parts p
    WHERE ST_Intersects(p.geom, cell.env)
) inside
CROSS JOIN LATERAL (
    SELECT bool_and(ST_Covers(p.geom, cell.env)) IS NOT false AS fixed,
           (array_agg(c.id ORDER BY c.priority DESC, c.area_km2, c.slug))[1] AS id
    FROM corridor_parts p
    JOIN corridors c ON c.id = p.corridor_id
    WHERE ST_Intersects(p.geom, cell.env)
) corridor
CROSS JOIN LATERAL (
    SELECT count(*) = 0 OR bool_or(ST_Covers(p.geom, cell.env)) AS fixed, min(p.slug) AS slug
    FROM sea_area_parts p
    WHERE p.slug = (SELECT b.slug FROM sea_area_parts b WHERE ST_Intersects(b.geom, cell.env)
                    ORDER BY b.area_km2, b.slug LIMIT 1)
      AND ST_Intersects(p.geom, cell.env)
) sea
$fn$
