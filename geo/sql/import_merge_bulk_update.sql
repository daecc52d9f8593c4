-- Bulk merge, step 1: rewrite existing incidents whose row_hash changed, with their enrichment
-- (import_enriched.sql). Used only while the import holds incidents exclusively (secondary
-- indexes dropped), so no writer can race it and the speculative insertion of ON CONFLICT, which
-- doubles the cost of a large load, is not needed.
UPDATE incidents AS i SET (
    row_hash, import_run_id, incident_type, category,
    event_date, date_precision, reported_date,
    dead, missing, survivors, injured, pushed_back, women, men, children,
    cause, location_text, region_text, route_text, geom, h3_cell, h3_res,
    origin_countries, origin_region, pushed_from, pushed_to, violence_types,
    source_quality, source_name, source_url, raw, updated_at,
    country, border_id, border_pair, border_distance_km, coast_distance_km, corridor_id, sea_area,
    enriched_at
) = (
    r.row_hash, r.import_run_id, r.incident_type, r.category,
    r.event_date, r.date_precision, r.reported_date,
    r.dead, r.missing, r.survivors, r.injured, r.pushed_back, r.women, r.men, r.children,
    r.cause, r.location_text, r.region_text, r.route_text, r.geom, r.h3_cell, r.h3_res,
    r.origin_countries, r.origin_region, r.pushed_from, r.pushed_to, r.violence_types,
    r.source_quality, r.source_name, r.source_url, r.raw, now(),
    CASE WHEN i.location_precision = 'sea_area' THEN r.country_sea ELSE r.country_land END,
    r.border_id, r.border_pair, r.border_distance_km, r.coast_distance_km, r.corridor_id, r.sea_area, now()
)
FROM import_enriched AS r
WHERE i.source = r.source AND i.source_id = r.source_id
  AND i.row_hash IS DISTINCT FROM r.row_hash
