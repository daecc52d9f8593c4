-- Stage 2 of the placement checks: every record read back for per-row work (quality_scope; the
-- groups decided whole are only counted, geo/sql/quality_decide.sql), with what
-- its own text names (quality_texts, per distinct text key: the full reading, or the cheap one
-- where that decides, see quality_undecided.sql), its region's boxes (quality_regions) and how
-- far the point lies from them.
--  * named_km: km to the nearest named country (0 when the computed country is one of them).
--  * tolerance_km: how far outside the named countries a point may lie and still agree: the
--    sea tolerance for a point at sea when the record is a sea record (its text speaks of the
--    sea, or the cause is drowning: boats sink tens of kilometres off the coast they are
--    reported by); the land tolerance otherwise (border towns, coastal outlines).
--  * disagrees: named countries exist and the point is beyond the tolerance; or no country is
--    named and the point is beyond the region tolerance outside the region's boxes.
CREATE TEMP TABLE quality_base ON COMMIT DROP AS
WITH scoped AS (
    SELECT s.id, s.tid, s.source_id, s.geom, s.country, s.coast_km, s.border_km, s.cause,
           s.location_text, s.region_text, s.review_state, s.quality_flags, s.h3_res,
           coalesce(t.named, '{}') AS named,
           coalesce(t.sea_text, false) AS sea_text,
           coalesce(t.water_text, false) AS water_text,
           coalesce(t.coarse_text, true) AS coarse,
           s.land_cause_word OR (coalesce(t.desert_text, false) AND NOT s.drowning) AS land_cause,
           s.drowning,
           r.boxes
    FROM quality_scope s
    LEFT JOIN quality_texts t ON t.text_key = s.text_key
    LEFT JOIN quality_regions r ON r.region_text = s.region_text
    -- after fixes, only the fixed records are measured again (geo/quality/checks.py)
    WHERE CAST(:only_ids AS uuid[]) IS NULL OR s.id = ANY (CAST(:only_ids AS uuid[]))
), measured AS MATERIALIZED (
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
