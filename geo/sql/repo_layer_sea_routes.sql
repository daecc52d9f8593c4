-- Sea routes as features for /ogc, by slug. Snapped to the 1e-6° (≈ 0.1 m) the GeoJSON
-- carries, repeated points dropped, so the line served is valid and still a LineString.
-- The caller appends predicates on alias g (bbox, keyset) and the ORDER BY / LIMIT.
SELECT
    g.slug                                        AS key,
    g.name,
    g.from_port,
    g.to_port,
    g.corridor_slug                               AS corridor,
    round(g.length_km::numeric, 3)::float8        AS length_km,
    ST_AsGeoJSON(ST_RemoveRepeatedPoints(ST_SnapToGrid(g.geom, 1e-6)), 6) AS geometry
FROM sea_routes AS g
WHERE true
