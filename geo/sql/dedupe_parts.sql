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
/*include:dedupe_reach.sql*/
JOIN dedupe_records AS c
  ON /*include:dedupe_near.sql*/
 AND c.origin <> a.origin
 AND c.total < a.total
 AND c.total > 0
WHERE a.split AND a.total > 1
