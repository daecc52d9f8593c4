-- Close a run: counts, the issues found, and how it ended.
UPDATE import_runs SET
    layout = :layout,
    status = :status,
    rows_read = :rows_read,
    inserted = :inserted,
    updated = :updated,
    unchanged = :unchanged,
    rejected = :rejected,
    rejections = CAST(:rejections AS jsonb),
    warnings = CAST(:warnings AS jsonb),
    error = :error,
    finished_at = now()
WHERE id = :run_id
