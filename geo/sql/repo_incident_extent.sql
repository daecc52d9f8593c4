-- Where and when the public incidents lie (the /ogc collection extent): bounding box of the
-- located public events and their first day and last day (event_end: a month- or year-precise
-- record reaches to the end of its month or year). One pass over the public events.
SELECT
    ST_XMin(e) AS minx, ST_YMin(e) AS miny, ST_XMax(e) AS maxx, ST_YMax(e) AS maxy,
    first_day, last_day
FROM (
    SELECT ST_Extent(i.geom)::geometry AS e, min(i.event_date) AS first_day,
           max(i.event_end) AS last_day
    FROM incidents AS i
    WHERE /*include:public_event.sql*/  -- public events only (docs/dedupe.md)
) AS x
