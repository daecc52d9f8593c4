-- The records of the groups marked for per-row work (quality_groups.wanted, not fetched yet),
-- read back by row address into quality_scope, with their text key and the cause tests (one
-- per distinct cause, quality_causes). Every record of such a group is measured one by one
-- (geo/sql/quality_base.sql); the other groups are decided whole.
INSERT INTO quality_scope
SELECT i.id, i.source_id, i.geom, i.country, i.coast_distance_km, i.border_distance_km,
       i.cause, i.location_text, i.region_text, i.review_state, i.quality_flags, i.h3_res,
       regexp_replace(i.location_text, :number, '0', 'g'),
       coalesce(c.land, false),
       coalesce(c.drowning, false),
       i.ctid
FROM incidents i
LEFT JOIN quality_causes c ON c.cause = i.cause
WHERE i.ctid = ANY (ARRAY(SELECT unnest(g.tids) FROM quality_groups g
                          WHERE g.wanted AND NOT g.fetched))
