-- Included by dedupe_pairs.sql and dedupe_parts.sql: record c (alias c) is near record a in
-- place and time — the n-D index probe, then the exact distance (the search radius plus both
-- reaches), date intervals at most :window_days apart, and compatible categories.
c.span &&& ST_MakeLine(
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
AND ST_DWithin(a.geog, c.geog, :radius_m + a.reach_m + c.reach_m)
AND c.lo <= a.hi + :window_days
AND a.lo <= c.hi + :window_days
AND (c.category = a.category
     OR (a.category IN ('death', 'disappearance')
         AND c.category IN ('death', 'disappearance')))
