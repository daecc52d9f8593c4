-- Stage 3b: where a record whose swap is suggested on weak evidence is placed instead of its
-- point (docs/quality.md, "withheld"): the level the platform is sure of.
--  * named: the country the text names that lies nearest to the flipped point (the swap
--    agreed with it within the land tolerance, but the flipped point is not inside it);
--  * inside: with no country named, the country the flipped point lies in;
--  * sea: with neither, the smallest sea area (boundaries/sea_areas.toml) holding the flipped
--    point, with a point on its surface and its size (farthest outline point from there).
-- The country's label point and size come from geo/data/countries.csv (as the geocoder places
-- a country), in Python.
SELECT b.id, n.code AS named, i.iso3 AS inside,
       s.slug AS sea_slug, s.name AS sea_name,
       ST_X(s.label) AS sea_lon, ST_Y(s.label) AS sea_lat,
       ST_Length(CAST(ST_LongestLine(s.label, s.geom) AS geography)) AS sea_radius_m
FROM quality_base b
CROSS JOIN LATERAL (SELECT ST_FlipCoordinates(b.geom) AS geom) f
LEFT JOIN LATERAL (
    SELECT c.code FROM unnest(b.named) AS c(code)
    ORDER BY pg_temp.quality_named_km(f.geom, ARRAY[c.code]), c.code LIMIT 1
) n ON true
LEFT JOIN LATERAL (
    SELECT p.iso3 FROM country_parts p WHERE ST_Intersects(p.geom, f.geom) LIMIT 1
) i ON true
LEFT JOIN LATERAL (
    SELECT a.slug, a.name, a.geom, ST_PointOnSurface(a.geom) AS label
    FROM sea_areas a
    WHERE ST_Intersects(a.geom, f.geom)
    ORDER BY a.area_km2, a.slug LIMIT 1
) s ON true
WHERE b.id = ANY (CAST(:ids AS uuid[]))
ORDER BY b.id
