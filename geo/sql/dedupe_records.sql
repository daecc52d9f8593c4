-- The records deduplication looks at, in a temporary table with a geography index: located,
-- dated records (of :sources when given, else every source). ``origin`` is the feed a record
-- came from (source + import file name): records of one origin are never merged with each
-- other — one export lists distinct events, even when they share day, place and counts
-- (Pima County lists one body per row). lo/hi is the date interval the precision allows.
CREATE TEMP TABLE dedupe_records ON COMMIT DROP AS
SELECT
    i.id,
    i.source,
    i.source_id,
    i.source || ' | ' || coalesce(r.file_name, '') AS origin,
    i.category,
    i.event_date,
    i.date_precision,
    i.event_date AS lo,
    CASE i.date_precision
        WHEN 'month' THEN (date_trunc('month', i.event_date) + interval '1 month - 1 day')::date
        WHEN 'year'  THEN (date_trunc('year', i.event_date) + interval '1 year - 1 day')::date
        ELSE i.event_date
    END AS hi,
    i.dead,
    i.missing,
    i.dead_and_missing AS total,
    i.cause,
    i.location_text,
    i.source_name,
    i.source_quality,
    i.location_precision,
    i.review_state,
    i.country,
    i.created_at,
    ST_X(i.geom) AS lon,
    ST_Y(i.geom) AS lat,
    i.uncertainty_m,
    i.geom::geography AS geog
FROM incidents AS i
LEFT JOIN import_runs AS r ON r.id = i.import_run_id
WHERE i.geom IS NOT NULL
  AND i.event_date IS NOT NULL
  AND (CAST(:sources AS text[]) IS NULL OR i.source = ANY(CAST(:sources AS text[])));
CREATE INDEX ON dedupe_records USING gist (geog);
ANALYZE dedupe_records;
