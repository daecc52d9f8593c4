-- Per-corridor breakdowns of the public events matching the filters: by category, by year of
-- the event date (NULL: undated), and by each cause a record lists. MMP causes are
-- comma-separated lists ("Starvation, Dehydration"): a record counts once under each cause it
-- names, with its whole figures (nothing is apportioned), so cause rows can add up to more
-- than the corridor total; the 'multi_cause' row counts the records that name several.
-- The caller replaces the filter placeholder with geo.repo.incidents.where_sql predicates (fixed fragments, bound values).
WITH matched AS MATERIALIZED (
    SELECT i.id, i.corridor_id, i.category, i.event_date, i.cause,
           i.dead, i.missing, i.dead_and_missing
    FROM incidents AS i
    WHERE i.corridor_id IS NOT NULL
      AND /*include:public_event.sql*/  -- public events only (docs/dedupe.md)
      {filter}
), causes AS (
    SELECT m.*, named.one_cause, count(*) OVER (PARTITION BY m.id) AS listed
    FROM matched AS m
    CROSS JOIN LATERAL (  -- each cause once per record, however often it is repeated
        SELECT DISTINCT trim(part) AS one_cause
        FROM unnest(string_to_array(m.cause, ',')) AS part
        WHERE trim(part) <> '') AS named
)
SELECT c.slug, b.*
FROM (
    SELECT corridor_id, 'category' AS kind, category AS key,
           count(*) AS incidents, coalesce(sum(dead), 0) AS dead,
           coalesce(sum(missing), 0) AS missing,
           coalesce(sum(dead_and_missing), 0) AS dead_and_missing
    FROM matched GROUP BY corridor_id, category
    UNION ALL
    SELECT corridor_id, 'year', extract(year FROM event_date)::int::text,
           count(*), coalesce(sum(dead), 0), coalesce(sum(missing), 0),
           coalesce(sum(dead_and_missing), 0)
    FROM matched GROUP BY corridor_id, extract(year FROM event_date)
    UNION ALL
    SELECT corridor_id, 'cause', one_cause,
           count(*), coalesce(sum(dead), 0), coalesce(sum(missing), 0),
           coalesce(sum(dead_and_missing), 0)
    FROM causes GROUP BY corridor_id, one_cause
    UNION ALL  -- records that name more than one cause (counted under each)
    SELECT corridor_id, 'multi_cause', NULL, count(DISTINCT id), 0, 0, 0
    FROM causes WHERE listed > 1 GROUP BY corridor_id
) AS b
JOIN corridors AS c ON c.id = b.corridor_id
