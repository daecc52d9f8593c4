-- One corridor's public events matching the filters, summed by year, month and date
-- precision (month NULL for a record known only to its year; year NULL when undated). The
-- caller replaces the filter placeholder with geo.repo.incidents.where_sql predicates, which include the
-- corridor itself.
SELECT
    extract(year FROM i.event_date)::int                                   AS year,
    CASE WHEN i.date_precision = 'year' THEN NULL
         ELSE extract(month FROM i.event_date)::int END                    AS month,
    count(*)                                                               AS incidents,
    coalesce(sum(i.dead), 0)                                               AS dead,
    coalesce(sum(i.missing), 0)                                            AS missing,
    coalesce(sum(i.dead_and_missing), 0)                                   AS dead_and_missing
FROM incidents AS i
WHERE /*include:public_event.sql*/  -- public events only (docs/dedupe.md)
  {filter}
GROUP BY 1, 2
