-- Merge staged rows into incidents in one statement. A row whose normalised content (row_hash)
-- is unchanged is not touched, so a re-import writes nothing and keeps its enrichment.
-- Params: :source, :run_id, :raw_keys (text[]). Returns (inserted, updated).
WITH merged AS (
    INSERT INTO incidents AS i (
        source, source_id, row_hash, import_run_id, incident_type, category,
        event_date, date_precision, reported_date,
        dead, missing, survivors, injured, pushed_back, women, men, children,
        cause, location_text, region_text, route_text,
        geom, h3_cell, h3_res,
        origin_countries, origin_region, pushed_from, pushed_to, violence_types,
        source_quality, source_name, source_url, raw
    )
    SELECT
        :source, s.source_id,
        md5(ROW(s.incident_type, s.category, s.event_date, s.date_precision, s.reported_date,
                s.dead, s.missing, s.survivors, s.injured, s.pushed_back, s.women, s.men,
                s.children, s.cause, s.location_text, s.region_text, s.route_text, s.lon, s.lat,
                s.origin_countries, s.origin_region, s.pushed_from, s.pushed_to,
                s.violence_types, s.source_quality, s.source_name, s.source_url,
                s.raw_cells, s.raw_json)::text),
        CAST(:run_id AS uuid), s.incident_type, s.category,
        s.event_date, s.date_precision, s.reported_date,
        s.dead, s.missing, s.survivors, s.injured, s.pushed_back, s.women, s.men, s.children,
        s.cause, s.location_text, s.region_text, s.route_text,
        CASE WHEN s.lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) END,
        s.h3_cell, s.h3_res,
        string_to_array(s.origin_countries, E'\x1f'), s.origin_region, s.pushed_from, s.pushed_to,
        string_to_array(s.violence_types, E'\x1f'),
        s.source_quality, s.source_name, s.source_url,
        coalesce(s.raw_json::jsonb,
                 jsonb_object(CAST(:raw_keys AS text[]), string_to_array(s.raw_cells, E'\x1f')))
    FROM import_stage s
    ORDER BY s.row_no
    ON CONFLICT (source, source_id) DO UPDATE SET
        row_hash = EXCLUDED.row_hash,
        import_run_id = EXCLUDED.import_run_id,
        incident_type = EXCLUDED.incident_type,
        category = EXCLUDED.category,
        event_date = EXCLUDED.event_date,
        date_precision = EXCLUDED.date_precision,
        reported_date = EXCLUDED.reported_date,
        dead = EXCLUDED.dead,
        missing = EXCLUDED.missing,
        survivors = EXCLUDED.survivors,
        injured = EXCLUDED.injured,
        pushed_back = EXCLUDED.pushed_back,
        women = EXCLUDED.women,
        men = EXCLUDED.men,
        children = EXCLUDED.children,
        cause = EXCLUDED.cause,
        location_text = EXCLUDED.location_text,
        region_text = EXCLUDED.region_text,
        route_text = EXCLUDED.route_text,
        geom = EXCLUDED.geom,
        h3_cell = EXCLUDED.h3_cell,
        h3_res = EXCLUDED.h3_res,
        origin_countries = EXCLUDED.origin_countries,
        origin_region = EXCLUDED.origin_region,
        pushed_from = EXCLUDED.pushed_from,
        pushed_to = EXCLUDED.pushed_to,
        violence_types = EXCLUDED.violence_types,
        source_quality = EXCLUDED.source_quality,
        source_name = EXCLUDED.source_name,
        source_url = EXCLUDED.source_url,
        raw = EXCLUDED.raw,
        updated_at = now()
    WHERE i.row_hash IS DISTINCT FROM EXCLUDED.row_hash
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted) AS inserted,
       count(*) FILTER (WHERE NOT inserted) AS updated
FROM merged
