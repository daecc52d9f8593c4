-- Stage 2 of enrichment: everything the reference layers say about one point (x, y), as a
-- function so the lookup of all distinct points can run in parallel workers (a LATERAL subquery
-- with LIMIT keeps PostgreSQL from planning it in parallel; a PARALLEL SAFE function call does
-- not). Created per transaction in pg_temp by geo/enrich.py, dropped after use.
--  * inside: ADM0_A3 of the country piece containing the point (NULL on water); on an edge two
--    countries share, the first by ISO3, so that every lookup path gives the same answer.
--  * nearest land border / coastline: the 4 nearest pieces by the GiST KNN operator, then the
--    closest point of each piece (in lon/lat, the data's own geometry) and the great-circle
--    distance to it. Natural Earth's straight edges follow lon/lat (the 49th parallel is a
--    parallel, not a great circle), so this is truer to the data than a geography distance
--    that bends long edges into great circles; KNN alone is only approximate in degrees, hence
--    the 4 candidates re-ranked in km.
--  * antimeridian: for |x| > 170 the border and coast lookups run again from the point shifted
--    by -+360 (KNN in degrees cannot see across +-180) and the nearer answer wins; distances
--    are measured from the point itself (ST_DistanceSphere wraps longitudes).
--  * corridor: of the corridors containing the point, highest priority, then smallest area,
--    then slug (docs/corridors.md).
--  * sea_area: only for a point inside no country: of the sea areas containing it, the smallest
--    (a strait before its sea, a sea before its ocean), then slug (docs/sea_areas.md).

-- The antimeridian half of the lookup: nearest land border and coast seen from the point shifted
-- by -+360, distances measured from the point itself. A function of its own, called only for
-- |x| > 170, so the other points do not pay for setting up its index scans.
CREATE FUNCTION pg_temp.enrich_point_wrapped(
    x double precision, y double precision,
    OUT border_id integer, OUT pair text, OUT border_km double precision,
    OUT coast_iso3 text, OUT coast_km double precision
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$
SELECT b.border_id, b.pair, b.km, c.iso3, c.km
FROM (SELECT ST_SetSRID(ST_MakePoint(x, y), 4326) AS geom,
             ST_SetSRID(ST_MakePoint(x - 360 * sign(x), y), 4326) AS shifted) pt
LEFT JOIN LATERAL (
    SELECT knn.border_id, lb.pair, knn.km
    FROM (
        SELECT p.border_id,
               ST_DistanceSphere(pt.geom, ST_ClosestPoint(p.geom, pt.shifted)) / 1000.0 AS km
        FROM land_border_parts p
        ORDER BY p.geom <-> pt.shifted
        LIMIT 4
    ) knn
    JOIN land_borders lb ON lb.id = knn.border_id
    ORDER BY knn.km, knn.border_id
    LIMIT 1
) b ON true
LEFT JOIN LATERAL (
    SELECT c.iso3, knn.km
    FROM (
        SELECT p.coastline_id,
               ST_DistanceSphere(pt.geom, ST_ClosestPoint(p.geom, pt.shifted)) / 1000.0 AS km
        FROM coastline_parts p
        ORDER BY p.geom <-> pt.shifted
        LIMIT 4
    ) knn
    JOIN coastline c ON c.id = knn.coastline_id
    ORDER BY knn.km, c.iso3
    LIMIT 1
) c ON true
$fn$;

-- The lookup of one point as a set-returning SQL function, so that PostgreSQL inlines it into
-- the queries that call it (enrich_point, enrich_point_batch below): its plan then runs once per
-- batch of points instead of being set up again for every point.
CREATE FUNCTION pg_temp.enrich_point_rows(x double precision, y double precision)
RETURNS TABLE (
    inside_iso3 text, border_id integer, border_pair text, border_km double precision,
    coast_iso3 text, coast_km double precision, corridor_id integer, sea_area text
)
LANGUAGE sql STABLE PARALLEL SAFE ROWS 1
AS $fn$
SELECT inside.iso3,
       CASE WHEN wrap.border_km < border.km THEN wrap.border_id ELSE border.border_id END,
       CASE WHEN wrap.border_km < border.km THEN wrap.pair ELSE border.pair END,
       least(border.km, wrap.border_km),
       CASE WHEN wrap.coast_km < coast.km THEN wrap.coast_iso3 ELSE coast.iso3 END,
       least(coast.km, wrap.coast_km),
       corridor.id,
       sea.slug
FROM (SELECT ST_SetSRID(ST_MakePoint(x, y), 4326) AS geom) pt
LEFT JOIN LATERAL (
    SELECT p.iso3 FROM country_parts p WHERE ST_Intersects(p.geom, pt.geom)
    ORDER BY p.iso3 LIMIT 1
) inside ON true
LEFT JOIN LATERAL (
    SELECT knn.border_id, lb.pair, knn.km
    FROM (
        SELECT p.border_id,
               ST_DistanceSphere(pt.geom, ST_ClosestPoint(p.geom, pt.geom)) / 1000.0 AS km
        FROM land_border_parts p
        ORDER BY p.geom <-> pt.geom
        LIMIT 4
    ) knn
    JOIN land_borders lb ON lb.id = knn.border_id
    ORDER BY knn.km, knn.border_id
    LIMIT 1
) border ON true
LEFT JOIN LATERAL (
    SELECT c.iso3, knn.km
    FROM (
        SELECT p.coastline_id,
               ST_DistanceSphere(pt.geom, ST_ClosestPoint(p.geom, pt.geom)) / 1000.0 AS km
        FROM coastline_parts p
        ORDER BY p.geom <-> pt.geom
        LIMIT 4
    ) knn
    JOIN coastline c ON c.id = knn.coastline_id
    ORDER BY knn.km, c.iso3
    LIMIT 1
) coast ON true
LEFT JOIN LATERAL (
    SELECT c.id
    FROM corridor_parts p
    JOIN corridors c ON c.id = p.corridor_id
    WHERE ST_Intersects(p.geom, pt.geom)
    ORDER BY c.priority DESC, c.area_km2, c.slug
    LIMIT 1
) corridor ON true
LEFT JOIN LATERAL (
    SELECT w.* FROM pg_temp.enrich_point_wrapped(x, y) w WHERE abs(x) > 170
) wrap ON true
LEFT JOIN LATERAL (
    SELECT p.slug
    FROM sea_area_parts p
    WHERE inside.iso3 IS NULL AND ST_Intersects(p.geom, pt.geom)
    ORDER BY p.area_km2, p.slug
    LIMIT 1
) sea ON true
$fn$;

-- One point (tests and re-enrichment compare against it).
CREATE FUNCTION pg_temp.enrich_point(
    x double precision, y double precision,
    OUT inside_iso3 text, OUT border_id integer, OUT border_pair text,
    OUT border_km double precision, OUT coast_iso3 text, OUT coast_km double precision,
    OUT corridor_id integer, OUT sea_area text
)
LANGUAGE sql STABLE PARALLEL SAFE
AS $fn$ SELECT * FROM pg_temp.enrich_point_rows(x, y) $fn$;

-- A batch of points (xs[i], ys[i]), for the points no grid cell settles (geo/enrich.py): the plan
-- is set up once per batch, each batch looked up in a parallel worker.
CREATE FUNCTION pg_temp.enrich_point_batch(xs double precision[], ys double precision[])
RETURNS TABLE (
    x double precision, y double precision, inside_iso3 text, border_id integer,
    border_pair text, border_km double precision, coast_iso3 text, coast_km double precision,
    corridor_id integer, sea_area text
)
LANGUAGE sql STABLE PARALLEL SAFE ROWS 256
-- A SET clause keeps the planner from inlining this function into the calling query, where
-- the per-batch work would run in the leader only instead of in the parallel workers.
SET jit = off
AS $fn$
SELECT u.x, u.y, r.*
FROM unnest(xs, ys) AS u (x, y)
CROSS JOIN LATERAL pg_temp.enrich_point_rows(u.x, u.y) AS r
$fn$
