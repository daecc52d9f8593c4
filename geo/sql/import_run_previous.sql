-- The latest successful run of exactly this file, importer and source (re-import guard); for
-- mapped CSV also of the same mapping (its checksum is part of the layout).
SELECT id, layout, rows_read, inserted, updated, unchanged, rejected, rejections, warnings
FROM import_runs
WHERE checksum = :checksum AND importer = :importer AND source = :source
  AND status = 'succeeded'
  AND (CAST(:layout AS text) IS NULL OR layout = CAST(:layout AS text))
ORDER BY finished_at DESC
LIMIT 1
