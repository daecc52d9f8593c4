-- Close a run whose importing process ended without closing it (its advisory lock was free):
-- its data transaction never committed, so nothing of it was written.
UPDATE import_runs SET
    status = 'failed',
    inserted = 0,
    updated = 0,
    unchanged = 0,
    error = :error,
    finished_at = now()
WHERE id = :run_id AND status = 'running'
