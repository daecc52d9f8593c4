-- The basemap: Natural Earth countries simplified for the scale they are drawn at, clipped to a
-- box when one is given, as one GeoJSON FeatureCollection text built in PostGIS (the 547k-vertex
-- table never travels to Python). Parts smaller than a few pixels are dropped before drawing.
-- Parameters: tolerance (degrees), decimals, and the box minx/miny/maxx/maxy (NULL for all).
WITH box AS (
    SELECT CASE WHEN CAST(:minx AS float8) IS NULL THEN NULL
                ELSE ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326) END AS env
), shapes AS (
    SELECT c.iso3, c.name,
           ST_CollectionExtract(ST_MakeValid(ST_SimplifyPreserveTopology(
               CASE WHEN box.env IS NULL THEN c.geom ELSE ST_ClipByBox2D(c.geom, box.env) END,
               :tolerance)), 3) AS geom
    FROM countries AS c, box
    WHERE box.env IS NULL OR c.geom && box.env
), parts AS (
    SELECT s.iso3, s.name, ST_Collect(d.geom) AS geom
    FROM shapes AS s, LATERAL ST_Dump(s.geom) AS d
    WHERE ST_Area(d.geom) >= 4 * :tolerance * :tolerance
    GROUP BY s.iso3, s.name
)
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(json_build_object(
        'type', 'Feature',
        'properties', json_build_object('code', p.iso3, 'name', p.name),
        'geometry', CAST(ST_AsGeoJSON(ST_ForcePolygonCCW(p.geom), :decimals) AS json)
    ) ORDER BY p.iso3), CAST('[]' AS json))
)::text
FROM parts AS p
