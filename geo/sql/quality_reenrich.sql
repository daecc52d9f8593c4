-- The points of the records whose coordinates were just flipped, for geo.enrich.lookup_points;
-- geo/sql/enrich_update.sql then writes the looked-up values with enrichment's own rules.
SELECT DISTINCT ST_X(geom) AS x, ST_Y(geom) AS y
FROM incidents
WHERE id = ANY (CAST(:ids AS uuid[]))
