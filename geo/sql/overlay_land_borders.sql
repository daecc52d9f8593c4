-- Land borders for map pages, simplified for the scale they are drawn at (full precision in
-- repo_layer_land_borders.sql for /ogc). Parts shorter than the tolerance vanish, as they
-- would on screen. Parameters: tolerance (degrees) and decimals.
WITH simple AS (
    SELECT g.pair, a.name AS country_a, b.name AS country_b, g.length_km,
           ST_Simplify(g.geom, :tolerance) AS geom
    FROM land_borders AS g
    JOIN countries AS a ON a.iso3 = g.iso3_a
    JOIN countries AS b ON b.iso3 = g.iso3_b
)
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(json_build_object(
        'type', 'Feature',
        'id', s.pair,
        'properties', json_build_object('pair', s.pair, 'country_a', s.country_a,
                                        'country_b', s.country_b,
                                        'length_km', round(s.length_km::numeric, 0)),
        'geometry', CAST(ST_AsGeoJSON(s.geom, :decimals) AS json)
    ) ORDER BY s.pair), CAST('[]' AS json))
)::text
FROM simple AS s
WHERE s.geom IS NOT NULL AND NOT ST_IsEmpty(s.geom)
