-- The distinct location texts of the located records in scope: each is read once in Python.
SELECT DISTINCT i.location_text
FROM incidents AS i
WHERE i.geom IS NOT NULL
  AND btrim(i.location_text) <> ''
  AND (CAST(:import_run_id AS uuid) IS NULL OR i.import_run_id = CAST(:import_run_id AS uuid))
  AND (NOT :only_unset OR i.precision_basis IS NULL)
