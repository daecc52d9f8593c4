-- Corridors with totals over their public, non-rejected incidents, each event counted once.
-- The caller fills the two placeholders below (the incident_filter: the date predicates of
-- geo.repo.incidents.filter_sql; the corridor_filter: one slug), fixed fragments with bound
-- values. Named here without braces: str.format fills braces in comments too.
SELECT
    c.slug,
    c.name,
    c.kind,
    c.region,
    c.description,
    c.countries,
    c.mmp_routes,
    c.area_km2,
    c.catalogue_version,
    coalesce(t.incidents, 0)         AS incidents,
    coalesce(t.dead, 0)              AS dead,
    coalesce(t.missing, 0)           AS missing,
    coalesce(t.dead_and_missing, 0)  AS dead_and_missing,
    t.first_event_date,
    t.last_event_date
FROM corridors AS c
LEFT JOIN (
    SELECT
        i.corridor_id,
        count(*)                 AS incidents,
        sum(i.dead)              AS dead,
        sum(i.missing)           AS missing,
        sum(i.dead_and_missing)  AS dead_and_missing,
        min(i.event_date)        AS first_event_date,
        max(i.event_date)        AS last_event_date
    FROM incidents AS i
    WHERE i.corridor_id IS NOT NULL
      AND /*include:public_event.sql*/  -- public events only (docs/dedupe.md)
      {incident_filter}
    GROUP BY i.corridor_id
) AS t ON t.corridor_id = c.id
WHERE true {corridor_filter}
ORDER BY c.slug
