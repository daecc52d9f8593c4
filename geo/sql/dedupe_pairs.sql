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
-- Two records are within reach when their points are at most :radius_m plus both reaches
-- apart (dedupe_records.sql: a record's uncertainty, capped): a place known only to a sea area
-- or a country is as near as it can be to anything inside that area. The probe is a
-- (lon, lat, day) box around a, overlapping c.span (a box over c's own reach): its days are a's
-- interval widened by :window_days (exactly the date rule below), its degrees :radius_m plus a's
-- reach — together with c's box a superset of the circle, which ST_DWithin then applies
-- exactly. A degree of latitude is at least 110.5 km; degrees of longitude are taken at the
-- latitude :lat_margin further from the equator, as for c.span. Near the poles, or when the box
-- would cross the antimeridian, it takes every longitude.
CREATE TEMP TABLE dedupe_pairs ON COMMIT DROP AS
SELECT
    least(a.id, b.id) AS a,
    greatest(a.id, b.id) AS b,
    b.distance_m,
    b.gap_days
FROM dedupe_records AS a
/*include:dedupe_reach.sql*/
CROSS JOIN LATERAL (
    SELECT
        c.id,
        ST_Distance(a.geog, c.geog) AS distance_m,
        greatest(0, c.lo - a.hi, a.lo - c.hi) AS gap_days
    FROM dedupe_records AS c
    WHERE /*include:dedupe_near.sql*/
      AND c.origin_rank > a.origin_rank
      AND abs(a.total - c.total) <= CASE WHEN greatest(a.total, c.total) <= 2 THEN 0
                                          ELSE greatest(1.0, 0.3 * greatest(a.total, c.total)) END
    OFFSET 0
) AS b
WHERE a.origin_rank < (SELECT max(origin_rank) FROM dedupe_records)
