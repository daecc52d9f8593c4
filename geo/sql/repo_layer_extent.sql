-- Bounding box of a reference layer's table (the caller names one of its fixed tables).
SELECT ST_XMin(e) AS minx, ST_YMin(e) AS miny, ST_XMax(e) AS maxx, ST_YMax(e) AS maxy
FROM (SELECT ST_Extent(g.geom)::geometry AS e FROM {table} AS g) AS x
