-- Stage 1b of the placement checks, record by record for the records read back because their
-- group's rule needs a distance (geo/sql/quality_undecided_groups.sql judges the rest per
-- group): the texts that must be read with the gazetteer, because
-- one of their records is not decided by the cheap reading of geo/quality/literal.py. A record
-- is decided (it agrees, and no check can flag it whatever the full reading says) when:
--  A. it is on land inside a country its text names as a whole part ("…, Libya");
--  B. at sea, and within the tolerance of such a country that holds without the text's sea
--     words (land, or sea when the cause is drowning), with no land cause far out at sea;
--  C. its text names no country or admin area anywhere, and the point lies within the region
--     tolerance of its region's boxes (or it has none), with no land cause far out at sea;
-- and, for all three, it is not a drowning far inland (that check reads the text's water words).
WITH judged AS (
    SELECT s.text_key,
           s.country = 'at_sea' AND s.coast_km > CAST(:land_at_sea_km AS double precision)
               AND (s.land_cause_word OR (t.desert_text AND NOT s.drowning)) AS land_at_sea,
           s.drowning AND s.country <> 'at_sea'
               AND s.coast_km > CAST(:inland_km AS double precision)
               AND coalesce(s.border_km > CAST(:river_border_km AS double precision), true)
               AS drowning_inland,
           t.literal, t.names_none, s.country, s.geom, s.drowning, r.boxes
    FROM quality_scope s
    JOIN quality_texts t ON t.text_key = s.text_key
    LEFT JOIN quality_regions r ON r.region_text = s.region_text
    WHERE t.named IS NULL
)
SELECT DISTINCT j.text_key
FROM judged j
WHERE coalesce(j.drowning_inland, false)
   OR coalesce(j.land_at_sea, false)
   OR NOT coalesce(
       (cardinality(j.literal) > 0 AND j.country <> 'at_sea' AND j.country = ANY (j.literal))
       OR (cardinality(j.literal) > 0 AND j.country = 'at_sea'
           AND pg_temp.quality_named_km(j.geom, j.literal)
               <= CASE WHEN j.drowning THEN CAST(:sea_tolerance_km AS double precision)
                       ELSE CAST(:land_tolerance_km AS double precision) END)
       OR (j.names_none AND coalesce(pg_temp.quality_box_km(j.geom, j.boxes)
                                     <= CAST(:region_tolerance_km AS double precision), true)),
       false)
