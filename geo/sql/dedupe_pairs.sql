-- Candidate pairs: two records of different origins within :radius_m of each other whose date
-- intervals are at most :window_days apart, with compatible categories (death and
-- disappearance are one family: sources split dead and missing differently) and totals that
-- differ by at most 30 % of the larger one, at least 1, but not at all up to 2 (so 1 and 2
-- never match, 4 and 5 or 45 and 50 may) — geo.dedupe.count_allowance. Scoring happens in
-- Python (geo/dedupe.py), for these pairs only, kept in a temporary table.
--
-- Each pair is found once, from its smaller origin: a record probes the index only for records
-- of origins ranked above its own, and records of the largest origin probe nothing (a
-- 100,000-row file no longer measures the distance to each of its own neighbours). OFFSET 0
-- keeps the LATERAL subquery a per-record index probe (a nested loop driven by a) instead of
-- letting the planner flatten it into a join it may drive from the large side. The pair is
-- written as (smaller id, larger id), as scoring and grouping expect.
--
-- The probe is a (lon, lat, day) box around a, overlapping c.span (dedupe_records.sql): its
-- days are a's interval widened by :window_days (exactly the date rule below), its degrees a
-- superset of the :radius_m circle, which ST_DWithin then applies exactly. A degree of
-- latitude is at least 110.5 km, so reach = radius / 100 km degrees is ~10 % wide. A circle
-- around latitude phi spans asin(sin(r/R) / cos phi) of longitude, below reach / cos(|phi| +
-- reach) up to 80 degrees. Beyond 80 degrees, or when the box would cross the antimeridian,
-- it takes every longitude.
CREATE TEMP TABLE dedupe_pairs ON COMMIT DROP AS
SELECT
    least(a.id, b.id) AS a,
    greatest(a.id, b.id) AS b,
    b.distance_m,
    b.gap_days
FROM dedupe_records AS a
CROSS JOIN LATERAL (
    SELECT CAST(:radius_m AS float8) / 100000.0 AS reach
) AS r
CROSS JOIN LATERAL (
    SELECT CASE WHEN abs(a.lat) + r.reach >= 80 THEN 360.0
                ELSE r.reach / cos(radians(abs(a.lat) + r.reach)) END AS dlon
) AS w
CROSS JOIN LATERAL (
    SELECT
        c.id,
        ST_Distance(a.geog, c.geog) AS distance_m,
        greatest(0, c.lo - a.hi, a.lo - c.hi) AS gap_days
    FROM dedupe_records AS c
    WHERE c.span &&& ST_MakeLine(
              ST_MakePoint(
                  CASE WHEN a.lon - w.dlon < -180 OR a.lon + w.dlon > 180 THEN -180
                       ELSE a.lon - w.dlon END,
                  a.lat - r.reach,
                  (a.lo - DATE '1970-01-01') - :window_days),
              ST_MakePoint(
                  CASE WHEN a.lon - w.dlon < -180 OR a.lon + w.dlon > 180 THEN 180
                       ELSE a.lon + w.dlon END,
                  a.lat + r.reach,
                  (a.hi - DATE '1970-01-01') + :window_days))
      AND c.origin_rank > a.origin_rank
      AND ST_DWithin(a.geog, c.geog, :radius_m)
      AND c.lo <= a.hi + :window_days
      AND a.lo <= c.hi + :window_days
      AND (c.category = a.category
           OR (a.category IN ('death', 'disappearance')
               AND c.category IN ('death', 'disappearance')))
      AND abs(a.total - c.total) <= CASE WHEN greatest(a.total, c.total) <= 2 THEN 0
                                          ELSE greatest(1.0, 0.3 * greatest(a.total, c.total)) END
    OFFSET 0
) AS b
WHERE a.origin_rank < (SELECT max(origin_rank) FROM dedupe_records)
