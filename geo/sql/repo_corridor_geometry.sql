-- One corridor's outline as GeoJSON text (6 decimals ≈ 0.1 m), its bounding box and its name.
SELECT
    c.name                   AS name,
    ST_AsGeoJSON(c.geom, 6)  AS geometry,
    ST_XMin(c.geom)          AS minx,
    ST_YMin(c.geom)          AS miny,
    ST_XMax(c.geom)          AS maxx,
    ST_YMax(c.geom)          AS maxy
FROM corridors AS c
WHERE c.slug = :slug
