-- How often the geometry-assigned corridor agrees with the source's own route name.
-- Expected corridor: the one whose catalogue `mmp_routes` lists the incident's route_text
-- (trimmed, case-insensitive). Only incidents with a location and a mapped route count, and
-- only points the source gave: a point geocoded from text (e.g. a state's centroid) says
-- nothing about the corridor geometry.
WITH expected AS (
    SELECT i.route_text, c.slug AS expected, a.slug AS assigned
    FROM incidents i
    JOIN corridors c
      ON lower(btrim(i.route_text)) IN (SELECT lower(r) FROM unnest(c.mmp_routes) AS r)
    LEFT JOIN corridors a ON a.id = i.corridor_id
    WHERE i.geom IS NOT NULL AND i.location_source IS DISTINCT FROM 'geocoded'
)
SELECT route_text, expected,
       count(*) AS n,
       count(*) FILTER (WHERE assigned = expected) AS agree,
       coalesce(jsonb_object_agg(coalesce(assigned, '(none)'), k)
                FILTER (WHERE assigned IS DISTINCT FROM expected), '{}') AS disagree
FROM (
    SELECT route_text, expected, assigned, count(*) OVER (PARTITION BY route_text, assigned) AS k
    FROM expected
) e
GROUP BY route_text, expected
ORDER BY n DESC, route_text
