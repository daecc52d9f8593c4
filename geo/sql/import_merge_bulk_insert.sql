-- Bulk merge, step 2: insert the keys incidents does not have yet, with their enrichment
-- (plain INSERT; see step 1). Same columns and values as import_merge.sql.
INSERT INTO incidents (source, source_id, {columns}, quality_flags, review_state)
SELECT source, source_id, {columns}, location_flags, new_state
FROM import_final AS r
WHERE NOT EXISTS (
    SELECT 1 FROM incidents AS i WHERE i.source = r.source AND i.source_id = r.source_id
)
