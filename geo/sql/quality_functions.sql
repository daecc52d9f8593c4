-- Helpers of the placement checks (geo/quality.py), created per transaction in pg_temp and
-- dropped after use, like enrichment's lookup function.
--  * quality_named_km: great-circle km from a point to the nearest of the named countries
--    (0 inside one). The 4 nearest country pieces of those countries by the GiST KNN operator,
--    re-ranked by the distance to each piece's closest point, as enrichment measures coasts.
--  * quality_box_km: km from a point to the nearest of a region's boxes (0 inside one).
CREATE FUNCTION pg_temp.quality_named_km(pt geometry, named text[])
RETURNS double precision
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
SELECT min(ST_DistanceSphere(pt, ST_ClosestPoint(k.geom, pt))) / 1000.0
FROM (
    SELECT p.geom FROM country_parts p
    WHERE p.iso3 = ANY (named)
    ORDER BY p.geom <-> pt
    LIMIT 4
) k
$fn$;

CREATE FUNCTION pg_temp.quality_box_km(pt geometry, boxes geometry)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
SELECT CASE WHEN boxes IS NULL THEN NULL
            WHEN ST_Intersects(boxes, pt) THEN 0.0
            ELSE ST_DistanceSphere(pt, ST_ClosestPoint(boxes, pt)) / 1000.0 END
$fn$;
