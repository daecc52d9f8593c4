-- Stage 1 of enrichment: the distinct coordinates to look up (real exports repeat a town or a
-- beach many times; each place is looked up once). geo.enrich.lookup_points stores them in an
-- UNLOGGED table, not a TEMP one: parallel workers cannot read temporary tables.
SELECT DISTINCT ST_X(geom) AS x, ST_Y(geom) AS y
FROM incidents
WHERE geom IS NOT NULL
  AND (CAST(:import_run_id AS uuid) IS NULL OR import_run_id = CAST(:import_run_id AS uuid))
