-- Corridor outlines for map pages, simplified for the scale they are drawn at (the /ogc query,
-- repo_layer_corridors.sql, serves them at full precision). One FeatureCollection text built in
-- PostGIS. Parameters: tolerance (degrees) and decimals.
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(json_build_object(
        'type', 'Feature',
        'id', g.slug,
        'properties', json_build_object('slug', g.slug, 'name', g.name, 'kind', g.kind,
                                        'region', g.region),
        'geometry', CAST(ST_AsGeoJSON(ST_ForcePolygonCCW(ST_CollectionExtract(ST_MakeValid(
            ST_SimplifyPreserveTopology(g.geom, :tolerance)), 3)), :decimals) AS json)
    ) ORDER BY g.priority DESC, g.slug), CAST('[]' AS json))
)::text
FROM corridors AS g
