-- The "hexagons" MVT layer of one tile. geo.tiles.hexagons_tile groups the events with
-- heatmap.sql and passes each cell's values and outline (WKB, EPSG:4326, cut at the
-- antimeridian) as parallel arrays; cells that do not reach the tile (plus buffer) clip to NULL.
WITH cells AS (
    SELECT *
    FROM unnest(CAST(:h3 AS text[]), CAST(:resolution AS integer[]),
                CAST(:incidents AS integer[]), CAST(:dead AS integer[]),
                CAST(:missing AS integer[]), CAST(:dead_and_missing AS integer[]),
                CAST(:coarser AS boolean[]), CAST(:wkb AS bytea[]))
         AS t(h3, resolution, incidents, dead, missing, dead_and_missing, coarser, wkb)
), features AS (
    SELECT
        ST_AsMVTGeom(ST_Transform(ST_GeomFromWKB(c.wkb, 4326), 3857),
                     ST_TileEnvelope(:z, :x, :y), :extent, :buffer, true)  AS geom,
        c.h3,
        c.resolution,
        c.incidents,
        c.dead,
        c.missing,
        c.dead_and_missing,
        c.coarser
    FROM cells AS c
)
SELECT ST_AsMVT(features, 'hexagons', :extent, 'geom')
FROM features
WHERE geom IS NOT NULL
