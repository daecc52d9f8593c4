-- Land borders as features for /ogc. The country pair ('GRC-TUR') is the stable id: serial ids
-- change when the boundaries are reloaded. Coordinates are snapped to the 1e-6° (≈ 0.1 m) the
-- GeoJSON carries and the points that snapping makes repeat are dropped, so every part served
-- is a valid line (ST_SnapToGrid keeps the type; ST_ReducePrecision would node lines into other
-- parts). The caller appends predicates on alias g (bbox, keyset) and the ORDER BY / LIMIT.
SELECT
    g.pair                                        AS key,
    g.iso3_a,
    a.name                                        AS country_a,
    g.iso3_b,
    b.name                                        AS country_b,
    round(g.length_km::numeric, 3)::float8        AS length_km,
    ST_AsGeoJSON(ST_RemoveRepeatedPoints(ST_SnapToGrid(g.geom, 1e-6)), 6) AS geometry
FROM land_borders AS g
JOIN countries AS a ON a.iso3 = g.iso3_a
JOIN countries AS b ON b.iso3 = g.iso3_b
WHERE true
