-- Secondary indexes of incidents (neither primary key nor unique: import_constraints.sql handles
-- those), with their exact definitions so a bulk load can drop them and build them again
-- afterwards. Partial indexes stay: they hold the few rows their predicate picks (events,
-- flagged records), so keeping them up to date costs less than another scan of the table.
SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS ddl
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'incidents'::regclass AND NOT i.indisprimary AND NOT i.indisunique
  AND i.indpred IS NULL
ORDER BY c.relname
