-- What every polygon layer the API serves is made of (countries, corridors, sea areas): valid
-- *after* the 6 decimals (~0.1 m) of the served GeoJSON (ST_AsGeoJSON(geom, 6)), and oriented as
-- RFC 7946 asks (outer rings counter-clockwise, holes clockwise). Rounding a valid outline's
-- coordinates on output can make rings cross or holes collapse to two points, so the stored
-- outline is already on the 1e-6 grid: snapped (cheap) when the snapped outline is valid, else
-- snap-rounded (ST_ReducePrecision: valid by construction, but a full overlay, twice as slow on
-- the sea areas). Run first by boundaries.load.
CREATE OR REPLACE FUNCTION pg_temp.served_polygon(g geometry) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (
    SELECT ST_ForcePolygonCCW(ST_Multi(ST_CollectionExtract(
               CASE WHEN ST_IsValid(snapped) THEN snapped
                    ELSE ST_ReducePrecision(valid, 1e-6) END, 3)))
    FROM (SELECT v.valid, ST_SnapToGrid(v.valid, 1e-6) AS snapped
          FROM (SELECT ST_CollectionExtract(ST_MakeValid(g), 3) AS valid) AS v) AS s
)
