-- The distinct points of the staged rows the merge will write (new keys, or a changed
-- row_hash), for geo.enrich.lookup_points: unchanged rows keep their enrichment, so a
-- re-import looks nothing up. Joined on the key only, and the OR tests the key first, so the
-- row_hash (~10 µs a row) is computed only for keys incidents already has.
SELECT DISTINCT r.lon AS x, r.lat AS y
FROM import_rows r
LEFT JOIN incidents i ON i.source = r.source AND i.source_id = r.source_id
WHERE r.lon IS NOT NULL
  AND (i.id IS NULL OR i.row_hash <> r.row_hash)
