-- The extent of a reference layer (TileJSON bounds); {table} is corridors or land_borders,
-- filled in from a fixed list by geo.tiles.data_bounds.
SELECT ST_XMin(e.box), ST_YMin(e.box), ST_XMax(e.box), ST_YMax(e.box)
FROM (SELECT ST_Extent(t.geom) AS box FROM {table} AS t) AS e
