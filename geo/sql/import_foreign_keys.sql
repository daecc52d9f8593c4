-- Foreign keys of incidents with their definitions, so a bulk load can drop them and add them
-- back afterwards: adding a foreign key checks every row in one set-based join, where the
-- constraint triggers would look each inserted row's three references up one by one.
SELECT c.conname AS name, pg_get_constraintdef(c.oid) AS definition
FROM pg_constraint c
WHERE c.conrelid = 'incidents'::regclass AND c.contype = 'f'
ORDER BY c.conname
