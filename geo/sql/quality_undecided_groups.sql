-- Stage 1a: the cheap reading (geo/quality/literal.py) judged per group of quality_groups, for
-- the text keys not read yet. The rules are those of geo/sql/quality_undecided.sql, which
-- judges record by record; a group is:
--  * undecided (its key is read with the gazetteer): a drowning far inland, or a land cause
--    far at sea, or neither rule A nor C holds and no record could meet rule B or C;
--  * decided: rule A holds (on land in a country named as a whole part), or rule C holds for
--    every record (names nothing, and no region box or all its points inside the box);
--  * marked for per-row judging (quality_groups.wanted): rule B (at sea, a country named) or C
--    with points outside the region's box, when the key is not undecided already.
-- Returns the undecided keys.
WITH judged AS (
    SELECT g.gid, g.text_key,
           (coalesce(c.drowning, false) AND g.inland)
               OR (g.far_at_sea AND (coalesce(c.land, false)
                                     OR (t.desert_text AND NOT coalesce(c.drowning, false))))
               AS flag_possible,
           coalesce(cardinality(t.literal) > 0 AND g.country <> 'at_sea'
                    AND g.country = ANY (t.literal), false) AS rule_a,
           t.names_none AND (r.boxes IS NULL OR coalesce(r.covers, false)) AS rule_c,
           coalesce(cardinality(t.literal) > 0 AND g.country = 'at_sea', false)
               OR (t.names_none AND r.boxes IS NOT NULL AND NOT coalesce(r.covers, false))
               AS per_row
    FROM quality_groups g
    JOIN quality_texts t ON t.text_key = g.text_key
    LEFT JOIN quality_causes c ON c.cause = g.cause
    /*include:quality_group_region.sql*/
    WHERE t.named IS NULL
), states AS (
    SELECT gid, text_key,
           CASE WHEN flag_possible THEN 'undecided'
                WHEN rule_a OR rule_c THEN 'decided'
                WHEN per_row THEN 'per_row'
                ELSE 'undecided' END AS state
    FROM judged
), undecided AS (
    SELECT DISTINCT text_key FROM states WHERE state = 'undecided'
), marked AS (
    UPDATE quality_groups g SET wanted = true
    FROM states s
    WHERE s.gid = g.gid AND s.state = 'per_row'
      AND s.text_key NOT IN (SELECT text_key FROM undecided)
    RETURNING g.gid
)
SELECT text_key FROM undecided
