-- The "corridors" MVT layer of one tile: corridor outlines cut to the tile plus its buffer in
-- lon/lat first (:cx0..:cy1, within the web-mercator latitudes), so only that part is projected.
WITH features AS (
    SELECT
        ST_AsMVTGeom(
            ST_Transform(ST_ClipByBox2D(c.geom, ST_MakeEnvelope(:cx0, :cy0, :cx1, :cy1, 4326)),
                         3857),
            ST_TileEnvelope(:z, :x, :y), :extent, :buffer, true)  AS geom,
        c.slug,
        c.name,
        c.kind,
        c.region
    FROM corridors AS c
    WHERE c.geom && ST_MakeEnvelope(:cx0, :cy0, :cx1, :cy1, 4326)
)
SELECT ST_AsMVT(features, 'corridors', :extent, 'geom')
FROM features
WHERE geom IS NOT NULL
