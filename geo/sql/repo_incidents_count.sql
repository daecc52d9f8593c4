-- numberMatched for the same predicates as repo_incidents.sql (appended by the caller).
SELECT count(*)
FROM incidents AS i
WHERE i.sensitivity = 'public'
  AND i.review_state <> 'rejected'
