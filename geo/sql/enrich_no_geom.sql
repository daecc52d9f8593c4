-- Incidents without a location: no country, border, coast, corridor or sea area can be said.
UPDATE incidents
SET country = NULL,
    border_id = NULL,
    border_pair = NULL,
    border_distance_km = NULL,
    coast_distance_km = NULL,
    corridor_id = NULL,
    sea_area = NULL,
    enriched_at = now()
WHERE geom IS NULL
  AND (CAST(:import_run_id AS uuid) IS NULL OR import_run_id = CAST(:import_run_id AS uuid))
