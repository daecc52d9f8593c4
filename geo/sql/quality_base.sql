-- Stage 1 of the placement checks: every located incident in scope, with what its own text
-- names (quality_texts, filled from Python per distinct text), its region's boxes
-- (quality_regions) and how far the point lies from them.
--  * named_km: km to the nearest named country (0 when the computed country is one of them).
--  * tolerance_km: how far outside the named countries a point may lie and still agree: the
--    sea tolerance for a point at sea when the record is a sea record (its text speaks of the
--    sea, or the cause is drowning: boats sink tens of kilometres off the coast they are
--    reported by); the land tolerance otherwise (border towns, coastal outlines).
--  * disagrees: named countries exist and the point is beyond the tolerance; or no country is
--    named and the point is beyond the region tolerance outside the region's boxes.
CREATE TEMP TABLE quality_base ON COMMIT DROP AS
WITH scoped AS (
    SELECT i.id, i.source_id, i.geom, i.country, i.coast_distance_km AS coast_km,
           i.border_distance_km AS border_km, i.cause, i.location_text, i.region_text,
           i.review_state, i.quality_flags,
           coalesce(t.named, '{}') AS named,
           coalesce(t.sea_text, false) AS sea_text,
           coalesce(t.water_text, false) AS water_text,
           coalesce(t.coarse_text, true) AS coarse,
           coalesce(i.cause ~* :land_causes
                    OR (t.desert_text AND NOT coalesce(i.cause, '') ~* :drowning_causes), false)
               AS land_cause,
           coalesce(i.cause ~* :drowning_causes, false) AS drowning,
           r.boxes
    FROM incidents i
    LEFT JOIN quality_texts t ON t.location_text = i.location_text
    LEFT JOIN quality_regions r ON r.region_text = i.region_text
    WHERE i.geom IS NOT NULL
      AND (CAST(:import_run_id AS uuid) IS NULL OR i.import_run_id = CAST(:import_run_id AS uuid))
), measured AS (
    SELECT s.*,
           CASE WHEN cardinality(s.named) = 0 THEN NULL
                WHEN s.country = ANY (s.named) THEN 0.0
                ELSE pg_temp.quality_named_km(s.geom, s.named) END AS named_km,
           CASE WHEN cardinality(s.named) = 0 THEN pg_temp.quality_box_km(s.geom, s.boxes)
           END AS region_km,
           CASE WHEN s.country = 'at_sea' AND (s.sea_text OR s.drowning)
                THEN CAST(:sea_tolerance_km AS double precision)
                ELSE CAST(:land_tolerance_km AS double precision) END AS tolerance_km
    FROM scoped s
)
SELECT m.*,
       coalesce(m.named_km > m.tolerance_km, false)
           OR coalesce(m.region_km > CAST(:region_tolerance_km AS double precision), false)
           AS disagrees,
       coalesce(m.named_km = 0.0, false) AS agrees_exactly
FROM measured m
