-- Corridor outlines for /ogc, by slug (their attributes and totals come from
-- repo_corridors.sql). Snapped to 1e-6° (≈ 0.1 m) with ST_ReducePrecision, which keeps polygons
-- valid where plain rounding of the coordinates can make rings cross. The caller appends
-- predicates on alias g (bbox, keyset) and the ORDER BY / LIMIT.
SELECT
    g.slug                                        AS key,
    ST_AsGeoJSON(ST_ReducePrecision(g.geom, 1e-6), 6) AS geometry
FROM corridors AS g
WHERE true
