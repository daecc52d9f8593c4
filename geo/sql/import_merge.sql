-- Merge staged rows into incidents in one statement, with their enrichment (import_enriched.sql).
-- A row whose row_hash is unchanged is not touched, so a re-import writes nothing and keeps its
-- enrichment. Returns (inserted, updated). Updated rows get country_land; the few stored as
-- sea_area records are corrected by import_merge_sea_area.sql.
WITH merged AS (
    INSERT INTO incidents AS i (
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
    FROM import_enriched
    ON CONFLICT (source, source_id) DO UPDATE SET (
        row_hash, import_run_id, incident_type, category,
        event_date, date_precision, reported_date,
        dead, missing, survivors, injured, pushed_back, women, men, children,
        cause, location_text, region_text, route_text, geom, h3_cell, h3_res,
        origin_countries, origin_region, pushed_from, pushed_to, violence_types,
        source_quality, source_name, source_url, raw, updated_at,
        country, border_id, border_pair, border_distance_km, coast_distance_km, corridor_id, sea_area,
        enriched_at
    ) = (
        EXCLUDED.row_hash, EXCLUDED.import_run_id, EXCLUDED.incident_type, EXCLUDED.category,
        EXCLUDED.event_date, EXCLUDED.date_precision, EXCLUDED.reported_date,
        EXCLUDED.dead, EXCLUDED.missing, EXCLUDED.survivors, EXCLUDED.injured,
        EXCLUDED.pushed_back, EXCLUDED.women, EXCLUDED.men, EXCLUDED.children,
        EXCLUDED.cause, EXCLUDED.location_text, EXCLUDED.region_text, EXCLUDED.route_text,
        EXCLUDED.geom, EXCLUDED.h3_cell, EXCLUDED.h3_res,
        EXCLUDED.origin_countries, EXCLUDED.origin_region, EXCLUDED.pushed_from,
        EXCLUDED.pushed_to, EXCLUDED.violence_types,
        EXCLUDED.source_quality, EXCLUDED.source_name, EXCLUDED.source_url, EXCLUDED.raw, now(),
        EXCLUDED.country,
        EXCLUDED.border_id, EXCLUDED.border_pair, EXCLUDED.border_distance_km,
        EXCLUDED.coast_distance_km, EXCLUDED.corridor_id, EXCLUDED.sea_area, now()
    )
    WHERE i.row_hash IS DISTINCT FROM EXCLUDED.row_hash
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted) AS inserted,
       count(*) FILTER (WHERE NOT inserted) AS updated
FROM merged
