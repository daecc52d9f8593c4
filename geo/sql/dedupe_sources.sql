-- The public records of some events (:events, an array of event ids), best-ranked first: what
-- the API lists as an event's sources. Private and rejected records are never listed.
SELECT
    m.event_id,
    m.id,
    m.source,
    m.source_id,
    m.source_name,
    m.source_url,
    m.event_date,
    m.date_precision,
    m.event_score,
    m.event_link
FROM incidents AS m
WHERE m.event_id = ANY(CAST(:events AS uuid[]))
  AND m.sensitivity = 'public'
  AND m.review_state <> 'rejected'
ORDER BY m.event_id, m.event_rank
