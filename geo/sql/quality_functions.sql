-- Helpers of the placement checks (geo/quality/checks.py), created per transaction in pg_temp and
-- dropped after use, like enrichment's lookup function.
--  * quality_parts: the country pieces of the countries the texts in scope name (filled by
--    geo/quality/checks.py once they are read) with their envelopes, and quality_sizes: pieces per
--    country. country_parts has no index on iso3: scanning its ~12,000 pieces cost ~10 ms a
--    point, and a KNN search filtered by country walks the pieces of every nearer country.
--  * quality_named_km: great-circle km from a point to the nearest of the named countries
--    (0 inside one): the distance to the closest point of the nearest of their pieces, as
--    enrichment measures coasts. Candidates: the 8 nearest by envelope among the pieces of the
--    named countries when they have few (Libya 9); the 4 nearest by the GiST KNN operator when
--    they have many (USA 898).
CREATE TEMP TABLE quality_parts (iso3 text NOT NULL, geom geometry NOT NULL,
                                 env geometry NOT NULL) ON COMMIT DROP;
CREATE INDEX ON quality_parts (iso3);
CREATE INDEX ON quality_parts USING gist (geom);
CREATE TEMP TABLE quality_sizes (iso3 text PRIMARY KEY, parts integer NOT NULL) ON COMMIT DROP;

CREATE FUNCTION pg_temp.quality_named_km(pt geometry, named text[])
RETURNS double precision
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
SELECT CASE WHEN (SELECT sum(z.parts) FROM quality_sizes z WHERE z.iso3 = ANY (named)) > 200
    THEN (SELECT min(ST_DistanceSphere(pt, ST_ClosestPoint(k.geom, pt))) / 1000.0
          FROM (SELECT p.geom FROM quality_parts p WHERE p.iso3 = ANY (named)
                ORDER BY p.geom <-> pt LIMIT 4) k)
    ELSE (SELECT min(ST_DistanceSphere(pt, ST_ClosestPoint(k.geom, pt))) / 1000.0
          FROM (SELECT p.geom FROM quality_parts p WHERE p.iso3 = ANY (named)
                ORDER BY ST_Distance(p.env, pt) LIMIT 8) k)
END
$fn$;

CREATE FUNCTION pg_temp.quality_box_km(pt geometry, boxes geometry)
RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $fn$
SELECT CASE WHEN boxes IS NULL THEN NULL
            WHEN ST_Intersects(boxes, pt) THEN 0.0
            ELSE ST_DistanceSphere(pt, ST_ClosestPoint(boxes, pt)) / 1000.0 END
$fn$;
