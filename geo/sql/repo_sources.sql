-- Totals per dataset id over the public events the filter keeps (alias i, the predicates of
-- geo.repo.incidents.where_sql, filled in by the caller as a fixed fragment with bound
-- values). An event counts under every dataset with a public record of it (its preferred
-- record, or one linked to it, see docs/dedupe.md), once per dataset, with the preferred
-- record's figures: the rule of the source filter, so an id's totals are what the incident
-- list counts for that source. Placeholder named here without braces (str.format).
WITH events AS (
    SELECT i.id, i.event_id, i.source, i.dead, i.missing, i.dead_and_missing, i.event_date
    FROM incidents AS i
    WHERE /*include:public_event.sql*/  -- public events only (docs/dedupe.md)
      {incident_filter}
),
reports AS (
    SELECT e.id, e.source AS dataset
    FROM events AS e
    UNION
    SELECT e.id, m.source
    FROM events AS e
    JOIN incidents AS m ON m.event_id = e.event_id
    WHERE e.event_id IS NOT NULL
      AND m.sensitivity = 'public'
      AND m.review_state <> 'rejected'
)
SELECT
    r.dataset                              AS id,
    count(*)                               AS incidents,
    coalesce(sum(e.dead), 0)               AS dead,
    coalesce(sum(e.missing), 0)            AS missing,
    coalesce(sum(e.dead_and_missing), 0)   AS dead_and_missing,
    min(e.event_date)                      AS first_event_date,
    max(e.event_date)                      AS last_event_date
FROM reports AS r
JOIN events AS e ON e.id = r.id
GROUP BY r.dataset
ORDER BY r.dataset
