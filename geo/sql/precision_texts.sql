-- The distinct location texts of the located records in scope, under their text key (every
-- stand-alone number 0, as the placement checks read them: "Synthetic location 4711" and
-- "… 4712" are one reading): each key is read once in Python.
SELECT DISTINCT regexp_replace(i.location_text, :number, '0', 'g') AS text_key
FROM incidents AS i
WHERE i.geom IS NOT NULL
  AND btrim(i.location_text) <> ''
  AND (CAST(:import_run_id AS uuid) IS NULL OR i.import_run_id = CAST(:import_run_id AS uuid))
  AND (NOT :only_unset OR i.precision_basis IS NULL)
