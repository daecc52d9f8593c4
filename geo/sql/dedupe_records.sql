-- The records deduplication looks at, in a temporary table with a geography index: located,
-- dated records (of :sources when given, else every source). ``origin`` is the feed a record
-- came from (source + import file name): records of one origin are never merged with each
-- other — one export lists distinct events, even when they share day, place and counts
-- (Pima County lists one body per row). lo/hi is the date interval the precision allows.
-- ``origin_rank`` numbers the origins from the smallest (fewest records, then by name): pairs
-- are probed from the smaller origin of the two (dedupe_pairs.sql), so a large file never pays
-- for its own neighbours. Only what the candidate query needs is kept here: the rest of a
-- record is read for the records of candidate pairs only (dedupe_load.sql). The rows are
-- stored in geohash order: an index probe then reads a few neighbouring pages instead of one
-- page per neighbour (1,000,000 rows of one file: pairs ~10 s -> ~3 s, for ~1.5 s of sorting).
-- ``span`` is the record in (lon, lat, day) — a vertical segment over its date interval, days
-- counted from 1970 — under an n-D GiST index: one probe finds the records near in place
-- *and* time (a geography index alone returns every record of the last years within reach,
-- more than 99 % of them at other dates).
CREATE TEMP TABLE dedupe_records ON COMMIT DROP AS
WITH located AS MATERIALIZED (
    SELECT
        i.id,
        i.source || ' | ' || coalesce(r.file_name, '') AS origin,
        i.category,
        i.event_date AS lo,
        CASE i.date_precision
            WHEN 'month' THEN (date_trunc('month', i.event_date) + interval '1 month - 1 day')::date
            WHEN 'year'  THEN (date_trunc('year', i.event_date) + interval '1 year - 1 day')::date
            ELSE i.event_date
        END AS hi,
        i.dead_and_missing AS total,
        i.geom::geography AS geog
    FROM incidents AS i
    LEFT JOIN import_runs AS r ON r.id = i.import_run_id
    WHERE i.geom IS NOT NULL
      AND i.event_date IS NOT NULL
      AND (CAST(:sources AS text[]) IS NULL OR i.source = ANY(CAST(:sources AS text[])))
),
origins AS (
    SELECT origin, row_number() OVER (ORDER BY count(*), origin) AS origin_rank
    FROM located
    GROUP BY origin
)
SELECT
    l.id,
    l.origin,
    o.origin_rank::int AS origin_rank,
    l.category,
    l.lo,
    l.hi,
    l.total,
    l.geog,
    ST_X(l.geog::geometry) AS lon,
    ST_Y(l.geog::geometry) AS lat,
    ST_MakeLine(
        ST_MakePoint(ST_X(l.geog::geometry), ST_Y(l.geog::geometry), l.lo - DATE '1970-01-01'),
        ST_MakePoint(ST_X(l.geog::geometry), ST_Y(l.geog::geometry), l.hi - DATE '1970-01-01')
    ) AS span
FROM located AS l
JOIN origins AS o ON o.origin = l.origin
ORDER BY ST_GeoHash(l.geog::geometry, 8);
CREATE INDEX ON dedupe_records USING gist (span gist_geometry_ops_nd);
ANALYZE dedupe_records
