-- numberMatched for the same predicates as repo_incidents.sql (appended by the caller).
SELECT count(*)
FROM incidents AS i
WHERE i.sensitivity = 'public'
  AND i.review_state <> 'rejected'
  AND NOT EXISTS (  -- one row per event: its best-ranked public record (docs/dedupe.md)
      SELECT 1 FROM incidents AS better
      WHERE better.event_id = i.event_id
        AND better.event_rank < i.event_rank
        AND better.sensitivity = 'public'
        AND better.review_state <> 'rejected')
