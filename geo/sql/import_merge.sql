-- Merge staged rows into incidents in one statement, with their enrichment (import_final in
-- import_merge_rows.sql; {columns}: runner.MERGE_COLUMNS). A row whose row_hash is unchanged is
-- not touched, so a re-import writes nothing and keeps its enrichment and review state.
-- Returns (inserted, updated).
WITH merged AS (
    INSERT INTO incidents AS i (source, source_id, {columns}, quality_flags, review_state)
    SELECT source, source_id, {columns}, location_flags, new_state
    FROM import_final
    ON CONFLICT (source, source_id) DO UPDATE SET ({columns}, quality_flags, review_state) = (
        {excluded_columns},
        pg_temp.import_flags(i.quality_flags, EXCLUDED.quality_flags),
        pg_temp.import_review_state(i.review_state, i.quality_flags, EXCLUDED.quality_flags)
    )
    WHERE i.row_hash IS DISTINCT FROM EXCLUDED.row_hash
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted) AS inserted,
       count(*) FILTER (WHERE NOT inserted) AS updated
FROM merged
