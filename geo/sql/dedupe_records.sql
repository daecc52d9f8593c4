-- The records deduplication looks at, in a temporary table with an n-D index: located, dated
-- records (of :sources when given, else every source). ``origin`` is the feed a record came
-- from (source + import file name): records of one origin are never merged with each other —
-- one export lists distinct events, even when they share day, place and counts (Pima County
-- lists one body per row). lo/hi is the date interval the precision allows, and a cumulative
-- figure (one row for the deaths of a period, reported when compiled) may be listed in another
-- export at any date of its year, so its interval is its year. ``reach_m`` is how far off the
-- point may be (its uncertainty, up to max_reach_m): two records are candidates when their
-- points are within the search radius plus both reaches (dedupe_pairs.sql).
-- ``origin_rank`` numbers the origins from the smallest (fewest records, then by name): pairs
-- are probed from the smaller origin of the two (dedupe_pairs.sql), so a large file never pays
-- for its own neighbours. Only what the candidate query needs is kept here: the rest of a
-- record is read for the records of candidate pairs only (dedupe_load.sql). The rows are
-- stored in geohash order: an index probe then reads a few neighbouring pages instead of one
-- page per neighbour (1,000,000 rows of one file: pairs ~10 s -> ~3 s, for ~1.5 s of sorting).
-- ``span`` is the record in (lon, lat, day) — a box over its date interval and, in degrees,
-- its reach, days counted from 1970 — under an n-D GiST index: one probe finds the records
-- near in place *and* time (a geography index alone returns every record of the last years
-- within reach, more than 99 % of them at other dates). The reach's degrees of longitude are
-- taken at the latitude lat_margin degrees further from the equator (the farthest a partner can be,
-- so the two boxes of a pair together always cover the longitudes between the points), and
-- every longitude near the poles or where the box would cross the antimeridian.
CREATE TEMP TABLE dedupe_records ON COMMIT DROP AS
WITH located AS MATERIALIZED (
    SELECT
        i.id,
        i.source || ' | ' || coalesce(r.file_name, '') AS origin,
        i.category,
        CASE WHEN cumulative THEN date_trunc('year', i.event_date)::date
             ELSE i.event_date END AS lo,
        CASE WHEN cumulative
             THEN (date_trunc('year', i.event_date) + interval '1 year - 1 day')::date
             ELSE i.event_end END AS hi,
        i.dead_and_missing AS total,
        coalesce(i.dead, 0) AS dead,
        coalesce(i.missing, 0) AS missing,
        i.incident_type = 'split' IS TRUE AS split,
        least(coalesce(i.uncertainty_m, 0), CAST(:max_reach_m AS float8)) AS reach_m,
        i.geom::geography AS geog
    FROM incidents AS i
    LEFT JOIN import_runs AS r ON r.id = i.import_run_id
    CROSS JOIN LATERAL (
        SELECT i.incident_type = 'cumulative' IS TRUE AS cumulative
    ) AS t
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
    l.dead,
    l.missing,
    l.split,
    l.reach_m,
    l.geog,
    p.lon,
    p.lat,
    ST_MakeLine(
        ST_MakePoint(
            CASE WHEN w.full_lon THEN -180 ELSE p.lon - w.dlon END,
            p.lat - w.dlat,
            l.lo - DATE '1970-01-01'),
        ST_MakePoint(
            CASE WHEN w.full_lon THEN 180 ELSE p.lon + w.dlon END,
            p.lat + w.dlat,
            l.hi - DATE '1970-01-01')
    ) AS span
FROM located AS l
JOIN origins AS o ON o.origin = l.origin
CROSS JOIN LATERAL (
    SELECT ST_X(l.geog::geometry) AS lon, ST_Y(l.geog::geometry) AS lat
) AS p
CROSS JOIN LATERAL (
    -- a degree of latitude is at least 110.5 km
    SELECT l.reach_m / 110500.0 AS dlat,
           abs(p.lat) + CAST(:lat_margin AS float8) AS far_lat
) AS d
CROSS JOIN LATERAL (
    SELECT d.dlat,
           CASE WHEN d.far_lat >= 80 THEN 0.0 ELSE d.dlat / cos(radians(d.far_lat)) END AS dlon,
           d.far_lat >= 80
             OR p.lon - d.dlat / cos(radians(least(d.far_lat, 80))) < -180
             OR p.lon + d.dlat / cos(radians(least(d.far_lat, 80))) > 180 AS full_lon
) AS w
ORDER BY ST_GeoHash(l.geog::geometry, 8);
CREATE INDEX ON dedupe_records USING gist (span gist_geometry_ops_nd);
ANALYZE dedupe_records
