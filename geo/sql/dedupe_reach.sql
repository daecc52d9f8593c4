-- Included by dedupe_pairs.sql and dedupe_parts.sql: how far around record a (alias a of
-- dedupe_records) a partner can lie, as the degrees of the index probe (see dedupe_pairs.sql).
CROSS JOIN LATERAL (
    SELECT (CAST(:radius_m AS float8) + a.reach_m) / 110500.0 AS dlat,
           abs(a.lat) + CAST(:lat_margin AS float8) AS far_lat
) AS r
CROSS JOIN LATERAL (
    SELECT CASE WHEN r.far_lat >= 80 THEN 360.0
                ELSE r.dlat / cos(radians(r.far_lat)) END AS dlon
) AS w
