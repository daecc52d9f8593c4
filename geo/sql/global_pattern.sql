-- The global-pattern evidence (geo.pattern): public events (one row per event, docs/dedupe.md)
-- grouped by everything the statistics need, in one scan: world region, corridor, year, cause
-- text and H3 cell at :resolution. The caller replaces the filter placeholder with
-- geo.repo.incidents.where_sql predicates (fixed fragments, bound values).
--
-- Region: the UN M49 region (Natural Earth REGION_UN) of the incident's country; an incident at
-- sea takes the region of the nearest country (KNN over the GiST-indexed country_parts), so a
-- shipwreck off Libya counts for Africa and one off Lampedusa for Europe. No location: NULL.
-- Cell: NULL when the incident has none or its own cell is coarser than :resolution (a place
-- known only to ~±100 km cannot sit in a finer cell; docs/h3.md); `coarser` says which.
SELECT
    coalesce(c.region_un, sea.region_un)                     AS region,
    coalesce(c.subregion, sea.subregion)                     AS subregion,
    corr.slug                                                AS corridor,
    extract(year FROM i.event_date)::int                     AS year,
    i.cause                                                  AS cause,
    CASE WHEN h3_resolution(i.h3_cell) >= :resolution
         THEN h3_parent(i.h3_cell, :resolution) END          AS cell,
    coalesce(h3_resolution(i.h3_cell) < :resolution, false)  AS coarser,
    count(*)                                                 AS incidents,
    coalesce(sum(i.dead), 0)                                 AS dead,
    coalesce(sum(i.missing), 0)                              AS missing
FROM incidents AS i
LEFT JOIN countries AS c ON c.iso3 = i.country
LEFT JOIN corridors AS corr ON corr.id = i.corridor_id
LEFT JOIN LATERAL (
    -- A bare KNN (ORDER BY <-> LIMIT on one table) so the GiST drives it; a tie (a point as far
    -- from Melilla as from Morocco: they share a border) goes to the first code, among the 3
    -- nearest parts.
    SELECT k.iso3
    FROM (SELECT p.iso3, p.geom <-> i.geom AS distance
          FROM country_parts AS p
          WHERE i.country = 'at_sea'
          ORDER BY p.geom <-> i.geom
          LIMIT 3) AS k
    ORDER BY k.distance, k.iso3
    LIMIT 1
) AS nearest ON true
LEFT JOIN countries AS sea ON sea.iso3 = nearest.iso3
WHERE /*include:public_event.sql*/  -- public events only (docs/dedupe.md)
  {filter}
GROUP BY 1, 2, 3, 4, 5, 6, 7
