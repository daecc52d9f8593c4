-- Parts of split incidents: for each record its source marks as split (MMP "Split Incident":
-- one incident recorded as several rows, e.g. the dead in one row and the missing in another),
-- the records of other origins that could be its parts — near it (the search radius plus both
-- reaches), inside its date window, of a compatible category, each with a smaller total. Which
-- of them add up to the whole is decided in Python (geo.dedupe.find_splits). Few records are
-- marked split, so each probes the index once.
CREATE TEMP TABLE dedupe_parts ON COMMIT DROP AS
SELECT
    a.id AS whole,
    c.id AS part,
    ST_Distance(a.geog, c.geog) AS distance_m,
    greatest(0, c.lo - a.hi, a.lo - c.hi) AS gap_days
FROM dedupe_records AS a
CROSS JOIN LATERAL (
    SELECT (CAST(:radius_m AS float8) + a.reach_m) / 110500.0 AS dlat,
           abs(a.lat) + CAST(:lat_margin AS float8) AS far_lat
) AS r
CROSS JOIN LATERAL (
    SELECT CASE WHEN r.far_lat >= 80 THEN 360.0
                ELSE r.dlat / cos(radians(r.far_lat)) END AS dlon
) AS w
JOIN dedupe_records AS c
  ON c.span &&& ST_MakeLine(
         ST_MakePoint(
             CASE WHEN a.lon - w.dlon < -180 OR a.lon + w.dlon > 180 THEN -180
                  ELSE a.lon - w.dlon END,
             a.lat - r.dlat,
             (a.lo - DATE '1970-01-01') - :window_days),
         ST_MakePoint(
             CASE WHEN a.lon - w.dlon < -180 OR a.lon + w.dlon > 180 THEN 180
                  ELSE a.lon + w.dlon END,
             a.lat + r.dlat,
             (a.hi - DATE '1970-01-01') + :window_days))
 AND c.origin <> a.origin
 AND ST_DWithin(a.geog, c.geog, :radius_m + a.reach_m + c.reach_m)
 AND c.lo <= a.hi + :window_days
 AND a.lo <= c.hi + :window_days
 AND (c.category = a.category
      OR (a.category IN ('death', 'disappearance')
          AND c.category IN ('death', 'disappearance')))
 AND c.total < a.total
 AND c.total > 0
WHERE a.split AND a.total > 1
