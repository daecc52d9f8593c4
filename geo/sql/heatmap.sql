-- Heatmap cells: public events (one row per event: its best-ranked public record, see
-- docs/dedupe.md) grouped by their H3 cell at the requested resolution, or at their own coarser
-- resolution when their location is known only that roughly (docs/h3.md). The resolution comes
-- from the stored cell's own bits, so it always agrees with the cell. Events without a cell
-- form one row with cell NULL (sorted first, so LIMIT never drops it). The caller replaces the
-- filter placeholder with geo.repo.incidents.where_sql predicates (fixed fragments, bound values).
SELECT
    h3_parent(i.h3_cell, least(h3_resolution(i.h3_cell), :resolution))  AS cell,
    least(h3_resolution(i.h3_cell), :resolution)                        AS res,
    count(*)                                                             AS incidents,
    coalesce(sum(i.dead), 0)                                             AS dead,
    coalesce(sum(i.missing), 0)                                          AS missing,
    coalesce(sum(i.dead_and_missing), 0)                                 AS dead_and_missing
FROM incidents AS i
WHERE /*include:public_event.sql*/  -- public events only (docs/dedupe.md)
  {filter}
GROUP BY 1, 2
ORDER BY 1 NULLS FIRST
LIMIT :limit
