-- Secondary indexes of incidents (neither primary key nor unique: the merge needs those), with
-- their exact definitions so a bulk load can drop them and build them again afterwards.
SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS ddl
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 'incidents'::regclass AND NOT i.indisprimary AND NOT i.indisunique
ORDER BY c.relname
