-- Bulk merge, step 2: insert the keys incidents does not have yet, with their enrichment
-- (plain INSERT; see step 1).
INSERT INTO incidents (
    source, source_id, row_hash, import_run_id, incident_type, category,
    event_date, date_precision, reported_date,
    dead, missing, survivors, injured, pushed_back, women, men, children,
    cause, location_text, region_text, route_text, geom, h3_cell, h3_res,
    origin_countries, origin_region, pushed_from, pushed_to, violence_types,
    source_quality, source_name, source_url, raw,
    country, border_id, border_pair, border_distance_km, coast_distance_km, corridor_id, sea_area,
    enriched_at
)
SELECT
    source, source_id, row_hash, import_run_id, incident_type, category,
    event_date, date_precision, reported_date,
    dead, missing, survivors, injured, pushed_back, women, men, children,
    cause, location_text, region_text, route_text, geom, h3_cell, h3_res,
    origin_countries, origin_region, pushed_from, pushed_to, violence_types,
    source_quality, source_name, source_url, raw,
    country_land, border_id, border_pair, border_distance_km, coast_distance_km, corridor_id, sea_area,
    now()
FROM import_enriched AS r
WHERE NOT EXISTS (
    SELECT 1 FROM incidents AS i WHERE i.source = r.source AND i.source_id = r.source_id
)
