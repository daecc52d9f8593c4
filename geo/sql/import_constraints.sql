-- Constraints of incidents a bulk load drops and adds back afterwards, with their definitions:
--  * the foreign keys: adding one checks every row in one set-based join, where the constraint
--    triggers would look each inserted row's three references up one by one;
--  * the primary key and the unique (source, source_id) key, unless another table references
--    them: both are random-ordered (uuid, content hash), so maintaining them row by row costs
--    twice the insert itself, while building them sorts once. The bulk merge does not need
--    them: it holds incidents exclusively and joins on the key by hashing.
-- kind: 'k' for the keys (restored right after the merge), 'f' for foreign keys.
SELECT c.conname AS name,
       CASE WHEN c.contype = 'f' THEN 'f' ELSE 'k' END AS kind,
       pg_get_constraintdef(c.oid) AS definition
FROM pg_constraint c
WHERE c.conrelid = 'incidents'::regclass
  AND (c.contype = 'f'
       OR (c.contype IN ('p', 'u')
           AND NOT EXISTS (SELECT 1 FROM pg_constraint r
                           WHERE r.confrelid = 'incidents'::regclass)))
ORDER BY c.contype DESC, c.conname
