-- Staged rows as incidents columns: the one place the stored values are computed, shared by
-- every merge path (import_merge_rows.sql → import_merge*.sql).
-- row_hash comes staged (geo.importers.copytext.hashed: the MD5 of the row's COPY line after the
-- row number, made by the reader, off the merge's single core). It covers every value the file
-- gives and what the import derived from it (precision, uncertainty, H3 cell and resolution, a
-- geocoded point and the geocoder's decision), so an unchanged row is recognised as unchanged
-- and a changed rule rewrites the rows it changes.
-- Two rules of migration 0020 apply here, for every importer: incident_type in its normal form
-- (incident_type_normal), and an all-zero women/men/children breakdown beside a positive
-- dead + missing stored as unknown (people_breakdown_unknown; docs/import.md, "Unknown counts").
CREATE TEMP VIEW import_rows AS
SELECT
    p.source,
    s.source_id,
    s.row_hash,
    p.run_id AS import_run_id,
    incident_type_normal(s.incident_type) AS incident_type,
    s.category, s.event_date, s.date_precision, s.reported_date,
    s.dead, s.missing, s.survivors, s.injured, s.pushed_back,
    CASE WHEN people_breakdown_unknown(s.dead, s.missing, s.women, s.men, s.children)
         THEN NULL ELSE s.women END AS women,
    CASE WHEN people_breakdown_unknown(s.dead, s.missing, s.women, s.men, s.children)
         THEN NULL ELSE s.men END AS men,
    CASE WHEN people_breakdown_unknown(s.dead, s.missing, s.women, s.men, s.children)
         THEN NULL ELSE s.children END AS children,
    s.cause, s.location_text, s.region_text, s.route_text,
    CASE WHEN s.lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) END AS geom,
    s.h3_cell, s.h3_res, s.location_precision, s.uncertainty_m, s.location_source,
    s.geocode::jsonb AS geocode,
    CASE WHEN s.location_flag IS NULL THEN '[]'::jsonb
         ELSE jsonb_build_array(s.location_flag::jsonb) END AS location_flags,
    string_to_array(s.origin_countries, E'\x1f') AS origin_countries,
    s.origin_region, s.pushed_from, s.pushed_to,
    string_to_array(s.violence_types, E'\x1f') AS violence_types,
    s.source_quality, s.source_name, s.source_url,
    coalesce(s.raw_json::jsonb,
             jsonb_object(p.raw_keys, string_to_array(s.raw_cells, E'\x1f'))) AS raw,
    s.lon, s.lat
FROM import_stage s
CROSS JOIN import_params p
