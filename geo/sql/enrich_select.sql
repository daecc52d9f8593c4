-- Stage 1 of enrichment: the distinct coordinates to look up (real exports repeat a town or a
-- beach many times; each place is looked up once). An UNLOGGED table, not a TEMP one: parallel
-- workers cannot read temporary tables. Its name is unique per call ({points}); it is created
-- and dropped inside the caller's transaction, so a failure leaves nothing behind.
CREATE UNLOGGED TABLE {points} AS
SELECT DISTINCT ST_X(geom) AS x, ST_Y(geom) AS y
FROM incidents
WHERE geom IS NOT NULL
  AND (CAST(:import_run_id AS uuid) IS NULL OR import_run_id = CAST(:import_run_id AS uuid))
