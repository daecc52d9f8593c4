-- Bulk merge, step 2 for a source incidents holds no record of (asked under the exclusive lock
-- of the bulk load, geo/importers/runner.py): every staged key is new, so the anti-join over the
-- stored keys of import_merge_bulk_insert.sql is left out. Same columns and values.
INSERT INTO incidents (source, source_id, {columns}, quality_flags, review_state)
SELECT source, source_id, {columns}, location_flags, new_state
FROM import_final
