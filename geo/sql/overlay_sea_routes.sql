-- Sea routes for map pages (full precision in repo_layer_sea_routes.sql for /ogc), simplified
-- for the scale they are drawn at. Parameters: tolerance (degrees) and decimals.
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(json_build_object(
        'type', 'Feature',
        'id', g.slug,
        'properties', json_build_object('slug', g.slug, 'name', g.name,
                                        'from_port', g.from_port, 'to_port', g.to_port,
                                        'corridor', g.corridor_slug,
                                        'length_km', round(g.length_km::numeric, 0)),
        'geometry', CAST(ST_AsGeoJSON(ST_Simplify(g.geom, :tolerance), :decimals) AS json)
    ) ORDER BY g.slug), CAST('[]' AS json))
)::text
FROM sea_routes AS g
