-- The distinct points of the staged rows the merge will write (new keys, or a changed
-- row_hash), for geo.enrich.lookup_points: unchanged rows keep their enrichment, so a
-- re-import looks nothing up.
SELECT DISTINCT r.lon AS x, r.lat AS y
FROM import_rows r
WHERE r.lon IS NOT NULL
  AND NOT EXISTS (
      SELECT 1 FROM incidents i
      WHERE i.source = r.source AND i.source_id = r.source_id AND i.row_hash = r.row_hash
  )
