-- The latest successful run of exactly this file, importer and source (re-import guard).
SELECT id, layout, rows_read, inserted, updated, unchanged, rejected, rejections, warnings
FROM import_runs
WHERE checksum = :checksum AND importer = :importer AND source = :source
  AND status = 'succeeded'
ORDER BY finished_at DESC
LIMIT 1
