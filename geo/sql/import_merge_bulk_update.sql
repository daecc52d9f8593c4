-- Bulk merge, step 1: rewrite existing incidents whose row_hash changed, with their enrichment
-- (import_final). Used only while the import holds incidents exclusively (secondary indexes
-- dropped), so no writer can race it and the speculative insertion of ON CONFLICT, which doubles
-- the cost of a large load, is not needed. Same columns and values as import_merge.sql.
UPDATE incidents AS i SET ({columns}, quality_flags, review_state) = (
    {r_columns},
    pg_temp.import_flags(i.quality_flags, r.location_flags),
    pg_temp.import_review_state(i.review_state, i.quality_flags, r.location_flags)
)
FROM import_final AS r
WHERE i.source = r.source AND i.source_id = r.source_id
  AND i.row_hash IS DISTINCT FROM r.row_hash
