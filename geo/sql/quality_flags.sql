-- Stage 4: the checks, on the placements as they are after any fixes. Each record's open flags
-- of these checks are recomputed (fix entries and other steps' flags are kept); a record with
-- open flags moves from 'unreviewed' to 'flagged', and back when a later pass finds its reasons
-- gone (only if it carried these checks' flags and no other step's); verified and rejected
-- records keep their state. Rows are written only when something changes.
--  * country_mismatch: the point lies beyond the tolerance outside every country the text names.
--  * region_mismatch: no country named, and the point lies far outside the record's region.
--  * land_cause_at_sea: a land cause (vehicle, train, shot, dehydration, desert...) far out at
--    sea.
--  * drowning_inland: a drowning far from every coast, with no river, canal or lake in the text
--    and not on a land border (border rivers: Rio Grande, Evros, Una).
--  * swapped_coordinates (fixes off, or no area to withhold the point at): the flipped point
--    would agree.
WITH checks AS (
    -- one array per record, in check-name order; NULLs (checks that do not fire) removed
    SELECT b.id,
           to_jsonb(array_remove(ARRAY[
               CASE WHEN b.named_km > b.tolerance_km THEN jsonb_build_object(
                   'check', 'country_mismatch', 'named', to_jsonb(b.named),
                   'computed', b.country, 'distance_km', round(CAST(b.named_km AS numeric), 1),
                   'tolerance_km', b.tolerance_km) END,
               CASE WHEN b.drowning AND b.country <> 'at_sea' AND NOT b.water_text
                         AND b.coast_km > CAST(:inland_km AS double precision)
                         AND coalesce(b.border_km > CAST(:river_border_km AS double precision),
                                      true)
                    THEN jsonb_build_object(
                   'check', 'drowning_inland', 'cause', b.cause,
                   'coast_km', round(CAST(b.coast_km AS numeric), 1),
                   'border_km', round(CAST(b.border_km AS numeric), 1)) END,
               CASE WHEN b.land_cause AND NOT b.sea_text AND b.country = 'at_sea'
                         AND b.coast_km > CAST(:land_at_sea_km AS double precision)
                    THEN jsonb_build_object(
                   'check', 'land_cause_at_sea', 'cause', b.cause,
                   'coast_km', round(CAST(b.coast_km AS numeric), 1)) END,
               CASE WHEN b.region_km > CAST(:region_tolerance_km AS double precision)
                    THEN jsonb_build_object(
                   'check', 'region_mismatch', 'region', b.region_text, 'computed', b.country,
                   'distance_km', round(CAST(b.region_km AS numeric), 1)) END,
               CASE WHEN b.id = ANY (CAST(:suggest_ids AS uuid[])) THEN jsonb_build_object(
                   'check', 'swapped_coordinates', 'action', 'suggested',
                   'to', jsonb_build_array(ST_X(b.geom), ST_Y(b.geom))) END
           ], NULL)) AS flags,
           b.source_id, b.quality_flags, b.review_state, b.tid
    FROM quality_base b
), planned AS (
    -- from quality_base's copy of each record's flags and state: this transaction's (read back
    -- by quality_scope.sql, refreshed after fixes), so incidents is touched only to write
    SELECT p.*,
           CAST(:write AS boolean)
               AND (p.quality_flags IS DISTINCT FROM p.new_flags
                    OR p.review_state <> p.new_state) AS changed
    FROM (
        SELECT c.id, c.tid, c.source_id, c.flags, c.quality_flags, c.review_state,
               -- kept: fixes and withheld points (a record is never moved twice), and flags
               -- other steps own (the importer's ambiguous_location)
               (SELECT coalesce(jsonb_agg(e), '[]') FROM jsonb_array_elements(c.quality_flags) e
                WHERE e ->> 'action' IN ('fixed', 'withheld')
                   OR NOT (e ->> 'check' = ANY (CAST(:own_checks AS text[])))) || c.flags
                   AS new_flags,
               CASE WHEN c.flags <> '[]' AND c.review_state = 'unreviewed' THEN 'flagged'
                    -- flagged by an earlier pass whose reasons are gone (data or rules
                    -- changed), and by nothing else; a withheld point waits for a reviewer
                    WHEN c.flags = '[]' AND c.review_state = 'flagged'
                         AND EXISTS (SELECT 1 FROM jsonb_array_elements(c.quality_flags) e
                                     WHERE e ->> 'action' IS DISTINCT FROM 'fixed'
                                       AND e ->> 'check' = ANY (CAST(:own_checks AS text[])))
                         AND NOT EXISTS (
                             SELECT 1 FROM jsonb_array_elements(c.quality_flags) e
                             WHERE e ->> 'action' IS DISTINCT FROM 'fixed'
                               AND (e ->> 'action' = 'withheld'
                                    OR NOT (e ->> 'check' = ANY (CAST(:own_checks AS text[])))))
                        THEN 'unreviewed'
                    ELSE c.review_state END AS new_state
        FROM checks c
        -- a record with no flags now, none before and not flagged cannot change: skip it
        WHERE c.flags <> '[]' OR c.quality_flags <> '[]' OR c.review_state = 'flagged'
        OFFSET 0  -- new_flags computed once
    ) p
), written AS (
    -- by row address: the rows of quality_base were read back by it (quality_scope.sql)
    UPDATE incidents i
    SET quality_flags = p.new_flags, review_state = p.new_state
    FROM planned p
    WHERE i.ctid = p.tid AND i.id = p.id AND p.changed
    RETURNING i.id
)
SELECT p.id, p.source_id, p.flags, p.new_state, p.changed
FROM planned p
WHERE p.flags <> '[]' OR p.changed
ORDER BY p.id
