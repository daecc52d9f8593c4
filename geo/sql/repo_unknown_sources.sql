-- Which of the asked dataset ids (a bound text array) no public, non-rejected record carries.
-- Each probe uses the natural key's index (source, source_id).
SELECT asked.id
FROM unnest(CAST(:sources AS text[])) WITH ORDINALITY AS asked(id, n)
WHERE NOT EXISTS (
    SELECT 1 FROM incidents AS i
    WHERE i.source = asked.id
      AND i.sensitivity = 'public'
      AND i.review_state <> 'rejected')
ORDER BY asked.n
