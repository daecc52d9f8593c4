-- numberMatched for the same predicates as repo_incidents.sql (appended by the caller).
SELECT count(*)
FROM incidents AS i
WHERE /*include:public_event.sql*/  -- public events only (docs/dedupe.md)
