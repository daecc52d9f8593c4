-- Every dataset id a public, non-rejected record carries, for the hint of an unknown source
-- (only read on that error path). A recursive skip scan over the natural key's index
-- (source, source_id) reads one index entry per dataset, not every record.
WITH RECURSIVE ids(source) AS (
    (SELECT source FROM incidents ORDER BY source LIMIT 1)
    UNION ALL
    SELECT (SELECT n.source FROM incidents AS n WHERE n.source > ids.source
            ORDER BY n.source LIMIT 1)
    FROM ids
    WHERE ids.source IS NOT NULL
)
SELECT ids.source
FROM ids
WHERE ids.source IS NOT NULL
  AND EXISTS (SELECT 1 FROM incidents AS i
              WHERE i.source = ids.source
                AND i.sensitivity = 'public'
                AND i.review_state <> 'rejected')
ORDER BY ids.source
