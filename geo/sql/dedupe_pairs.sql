-- Candidate pairs: two records of different origins within :radius_m of each other whose date
-- intervals are at most :window_days apart, with compatible categories (death and
-- disappearance are one family: sources split dead and missing differently) and totals that
-- differ by at most 30 % of the larger one, at least 1, but not at all up to 2 (so 1 and 2
-- never match; 4 and 5 or 45 and 50 may) — geo.dedupe.count_allowance. Scoring happens in Python (geo/dedupe.py).
SELECT
    a.id AS a,
    b.id AS b,
    ST_Distance(a.geog, b.geog) AS distance_m,
    greatest(0, b.lo - a.hi, a.lo - b.hi) AS gap_days
FROM dedupe_records AS a
JOIN dedupe_records AS b
  ON a.id < b.id
 AND a.origin <> b.origin
 AND ST_DWithin(a.geog, b.geog, :radius_m)
 AND b.lo <= a.hi + :window_days
 AND a.lo <= b.hi + :window_days
 AND (a.category = b.category
      OR (a.category IN ('death', 'disappearance') AND b.category IN ('death', 'disappearance')))
 AND abs(a.total - b.total) <= CASE WHEN greatest(a.total, b.total) <= 2 THEN 0
                                     ELSE greatest(1.0, 0.3 * greatest(a.total, b.total)) END
