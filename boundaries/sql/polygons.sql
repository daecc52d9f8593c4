-- What every polygon layer the API serves is made of (countries, corridors, sea areas): valid
-- *after* the 6 decimals (~0.1 m) of the served GeoJSON (ST_AsGeoJSON(geom, 6)), and oriented as
-- RFC 7946 asks (outer rings counter-clockwise, holes clockwise). Snap-rounding to the 1e-6 grid
-- (ST_ReducePrecision) keeps the result valid, where rounding a valid outline's coordinates on
-- output can make rings cross or holes collapse to two points. Run first by boundaries.load.
CREATE OR REPLACE FUNCTION pg_temp.served_polygon(g geometry) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ST_ForcePolygonCCW(ST_Multi(ST_CollectionExtract(
           ST_ReducePrecision(ST_CollectionExtract(ST_MakeValid(g), 3), 1e-6), 3)))
