-- Stage 3 (one row per fixed record): exchange latitude and longitude, store the new H3 cell
-- (computed in Python by geo.h3index) and keep the fix in quality_flags.
UPDATE incidents
SET geom = ST_FlipCoordinates(geom),
    h3_cell = :h3_cell,
    quality_flags = quality_flags || CAST(:entry AS jsonb),
    updated_at = now()
WHERE id = CAST(:id AS uuid)
