-- The extent of the located public events matching a filter (TileJSON bounds); the caller
-- replaces the filter placeholder with geo.repo.incidents.where_sql predicates.
SELECT ST_XMin(e.box), ST_YMin(e.box), ST_XMax(e.box), ST_YMax(e.box)
FROM (
    SELECT ST_Extent(i.geom) AS box
    FROM incidents AS i
    WHERE /*include:public_event.sql*/  -- public events only (docs/dedupe.md)
      AND i.geom IS NOT NULL
      {filter}
) AS e
