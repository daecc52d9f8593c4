-- Sea routes from the committed GeoJSON (one row per feature, bound as parameters).
INSERT INTO sea_routes (slug, name, from_port, to_port, corridor_slug, length_km, geom)
SELECT :slug, :name, :from_port, :to_port, :corridor_slug,
       ST_Length(g::geography) / 1000.0, g
FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON(:geometry), 4326) AS g) src
