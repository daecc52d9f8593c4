-- Countries with totals over their public events (each event counted once), plus the 'at_sea'
-- pseudo-country. The caller fills in the incident filters (the predicates of
-- geo.repo.incidents.where_sql on alias i) and may keep one code (the country filter); both are
-- fixed fragments with bound values. (No braces in these comments: str.format fills them.)
WITH totals AS (
    SELECT
        i.country,
        count(*)                 AS incidents,
        sum(i.dead)              AS dead,
        sum(i.missing)           AS missing,
        sum(i.dead_and_missing)  AS dead_and_missing
    FROM incidents AS i
    WHERE i.country IS NOT NULL
      AND /*include:public_event.sql*/  -- public events only (docs/dedupe.md)
      {incident_filter}
    GROUP BY i.country
),
listed AS (
    SELECT c.iso3 AS code, c.iso_a3, c.name, c.continent, c.region_un, c.subregion
    FROM countries AS c
    UNION ALL
    SELECT 'at_sea', NULL, 'At sea', NULL, NULL, NULL
)
SELECT
    l.code,
    l.iso_a3,
    l.name,
    l.continent,
    l.region_un,
    l.subregion,
    coalesce(t.incidents, 0)         AS incidents,
    coalesce(t.dead, 0)              AS dead,
    coalesce(t.missing, 0)           AS missing,
    coalesce(t.dead_and_missing, 0)  AS dead_and_missing
FROM listed AS l
LEFT JOIN totals AS t ON t.country = l.code
WHERE true {country_filter}
ORDER BY l.code = 'at_sea', l.code
