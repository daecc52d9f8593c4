-- Stage 3 of enrichment: write the looked-up values onto the incidents.
-- Country rule: the containing country; else, within 0.5 km of a coastline (1:10m outlines cut
-- off harbours, beaches and breakwaters), that coast's country unless the record itself says it
-- is a sea area; else 'at_sea'. sea_area: the named sea area of exactly the rows that end up
-- 'at_sea' (docs/sea_areas.md): a boat off a beach is named, a body on the beach is not.
UPDATE incidents i
SET country = CASE
        WHEN r.inside_iso3 IS NOT NULL THEN r.inside_iso3
        WHEN r.coast_km <= 0.5 AND i.location_precision IS DISTINCT FROM 'sea_area'
            THEN r.coast_iso3
        ELSE 'at_sea'
    END,
    border_id = r.border_id,
    border_pair = r.border_pair,
    border_distance_km = r.border_km,
    coast_distance_km = r.coast_km,
    corridor_id = r.corridor_id,
    sea_area = CASE
        WHEN r.inside_iso3 IS NOT NULL THEN NULL
        WHEN r.coast_km <= 0.5 AND i.location_precision IS DISTINCT FROM 'sea_area' THEN NULL
        ELSE r.sea_area
    END,
    enriched_at = now()
FROM {result} r
WHERE ST_X(i.geom) = r.x AND ST_Y(i.geom) = r.y
  AND i.geom IS NOT NULL
  AND (CAST(:import_run_id AS uuid) IS NULL OR i.import_run_id = CAST(:import_run_id AS uuid))
