-- The public events of each corridor (one row per event: its best-ranked public record, see
-- docs/dedupe.md) with only what density clustering needs (geo/clusters.py), as one row of
-- arrays per corridor: far cheaper to hand to Python than a row per event. Events without a
-- point are included (lon/lat NULL) so they are counted as unplaceable, not lost; dates are
-- days since 1970-01-01. The caller replaces the filter placeholder with
-- geo.repo.incidents.where_sql predicates (fixed fragments, bound values). The order inside the
-- arrays does not matter: clustering sorts the places itself.
SELECT
    c.slug                                      AS corridor,
    array_agg(ST_X(i.geom))                     AS lon,
    array_agg(ST_Y(i.geom))                     AS lat,
    array_agg(i.uncertainty_m)                  AS uncertainty_m,
    array_agg(coalesce(i.dead, 0))              AS dead,
    array_agg(coalesce(i.missing, 0))           AS missing,
    array_agg(i.event_date - DATE '1970-01-01') AS day
FROM incidents AS i
JOIN corridors AS c ON c.id = i.corridor_id
WHERE /*include:public_event.sql*/  -- public events only (docs/dedupe.md)
  {filter}
GROUP BY c.slug
