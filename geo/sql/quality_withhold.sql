-- Stage 3b (one row per withheld record): the source's point moves to review_geom (never
-- public, migration 0022) and the record is placed at the level the platform is sure of (the
-- target of quality_withhold_targets.sql): its point, precision, size as uncertainty and the
-- H3 cell at the matching coarse resolution (computed in Python by geo.h3index). The entry in
-- quality_flags keeps it from ever being moved again; the record waits for a reviewer.
UPDATE incidents
SET review_geom = coalesce(review_geom, geom),
    geom = ST_SetSRID(ST_MakePoint(:lon, :lat), 4326),
    location_precision = :precision,
    uncertainty_m = :uncertainty_m,
    h3_res = :h3_res,
    h3_cell = :h3_cell,
    quality_flags = quality_flags || CAST(:entry AS jsonb),
    review_state = CASE WHEN review_state = 'unreviewed' THEN 'flagged' ELSE review_state END,
    updated_at = now()
WHERE id = CAST(:id AS uuid)
