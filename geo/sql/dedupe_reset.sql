-- Forget earlier groups of the records in scope, and of every record sharing an event with
-- them, so that a run starts from "each record is its own event" and is idempotent.
UPDATE incidents AS i
SET event_id = NULL, event_rank = NULL, event_score = NULL, event_link = NULL
WHERE i.event_id IS NOT NULL
  AND (CAST(:sources AS text[]) IS NULL
       OR i.event_id IN (SELECT e.event_id FROM incidents AS e
                         WHERE e.event_id IS NOT NULL AND e.source = ANY(CAST(:sources AS text[]))))
