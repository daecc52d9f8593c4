-- The public events of corridors (one row per event: its best-ranked public record, see
-- docs/dedupe.md) with only what density clustering needs (geo/clusters.py). Events without a
-- point are included (lon/lat NULL) so they are counted as unplaceable, not lost. The caller
-- replaces the filter placeholder with geo.repo.incidents.where_sql predicates (fixed fragments,
-- bound values); rows come in a fixed order so the same data gives the same clusters.
SELECT
    c.slug                     AS corridor,
    ST_X(i.geom)               AS lon,
    ST_Y(i.geom)               AS lat,
    i.uncertainty_m,
    coalesce(i.dead, 0)        AS dead,
    coalesce(i.missing, 0)     AS missing,
    i.event_date
FROM incidents AS i
JOIN corridors AS c ON c.id = i.corridor_id
WHERE /*include:public_event.sql*/  -- public events only (docs/dedupe.md)
  {filter}
ORDER BY c.slug, i.id
