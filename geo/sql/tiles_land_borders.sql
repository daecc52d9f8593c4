-- The "land_borders" MVT layer of one tile: border lines cut to the tile plus its buffer in
-- lon/lat first (:cx0..:cy1, within the web-mercator latitudes), so only that part is projected.
WITH features AS (
    SELECT
        ST_AsMVTGeom(
            ST_Transform(ST_ClipByBox2D(b.geom, ST_MakeEnvelope(:cx0, :cy0, :cx1, :cy1, 4326)),
                         3857),
            ST_TileEnvelope(:z, :x, :y), :extent, :buffer, true)  AS geom,
        b.pair,
        b.iso3_a,
        b.iso3_b,
        round(b.length_km::numeric, 1)::float8  AS length_km
    FROM land_borders AS b
    WHERE b.geom && ST_MakeEnvelope(:cx0, :cy0, :cx1, :cy1, 4326)
)
SELECT ST_AsMVT(features, 'land_borders', :extent, 'geom')
FROM features
WHERE geom IS NOT NULL
