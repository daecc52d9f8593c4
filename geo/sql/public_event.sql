-- Included by name (see geo.db.load_sql) where a query counts or lists what the public sees:
-- a record of alias i counts when it is public, not rejected, and the best-ranked public record
-- of its event, so totals count events, not source records (docs/dedupe.md).
i.sensitivity = 'public'
AND i.review_state <> 'rejected'
AND NOT EXISTS (
    SELECT 1 FROM incidents AS better
    WHERE better.event_id = i.event_id
      AND better.event_rank < i.event_rank
      AND better.sensitivity = 'public'
      AND better.review_state <> 'rejected')
