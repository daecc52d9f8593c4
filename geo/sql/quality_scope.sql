-- Stage 0 of the placement checks: the located incidents in scope (one import run's, or all),
-- read once, with the key their location text is read under (stand-alone numbers as 0, see
-- geo/quality_names.py) and the cause tests that need no text.
CREATE TEMP TABLE quality_scope ON COMMIT DROP AS
WITH scoped AS MATERIALIZED (
    SELECT i.id, i.source_id, i.geom, i.country, i.coast_distance_km AS coast_km,
           i.border_distance_km AS border_km, i.cause, i.location_text, i.region_text,
           i.review_state, i.quality_flags, i.h3_res
    FROM incidents i
    WHERE i.geom IS NOT NULL
      AND (CAST(:import_run_id AS uuid) IS NULL
           OR i.import_run_id = CAST(:import_run_id AS uuid))
), causes AS (
    -- a handful of distinct causes: the case-insensitive patterns run once per cause, not row
    SELECT c.cause, c.cause ~* :land_causes AS land, c.cause ~* :drowning_causes AS drowning
    FROM (SELECT DISTINCT cause FROM scoped WHERE cause IS NOT NULL) c
)
SELECT s.*,
       regexp_replace(s.location_text, :number, '0', 'g') AS text_key,
       coalesce(c.land, false) AS land_cause_word,
       coalesce(c.drowning, false) AS drowning
FROM scoped s
LEFT JOIN causes c ON c.cause = s.cause
