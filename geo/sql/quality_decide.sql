-- Stage 2a: every group of quality_groups judged with what its text names (the full reading,
-- or the cheap one where that decided, see quality_undecided_groups.sql). A group needs its
-- records measured one by one (quality_groups.wanted; geo/sql/quality_base.sql) when any of
-- them could disagree or be flagged, or carries flags a pass may clear:
--  * it names countries and its computed country is none of them (a distance decides);
--  * it names none, its region has a box, and its points are not all inside the box;
--  * a drowning far inland with no water named, or a land cause far at sea with no sea words;
--  * marked (flags or flagged state already).
-- Every other group agrees as a whole (exactly, when it names countries) and no check can flag
-- it. Returns the agreement counts of the groups that are never measured one by one (the
-- measured records are counted from quality_base, geo/sql/quality_agreement.sql).
WITH judged AS (
    SELECT g.gid, g.n, g.wanted,
           cardinality(coalesce(t.named, '{}')) > 0 AS names,
           r.boxes IS NOT NULL AS boxed,
           g.marked
               OR (cardinality(coalesce(t.named, '{}')) > 0
                   AND NOT coalesce(g.country = ANY (t.named), false))
               OR (cardinality(coalesce(t.named, '{}')) = 0 AND r.boxes IS NOT NULL
                   AND NOT coalesce(r.covers, false))
               OR (coalesce(c.drowning, false) AND g.inland
                   AND NOT coalesce(t.water_text, false))
               OR ((coalesce(c.land, false)
                    OR (coalesce(t.desert_text, false) AND NOT coalesce(c.drowning, false)))
                   AND NOT coalesce(t.sea_text, false) AND g.far_at_sea) AS needs_rows
    FROM quality_groups g
    LEFT JOIN quality_texts t ON t.text_key = g.text_key
    LEFT JOIN quality_causes c ON c.cause = g.cause
    /*include:quality_group_region.sql*/
), marked AS (
    UPDATE quality_groups g SET wanted = true
    FROM judged j
    WHERE j.gid = g.gid AND j.needs_rows AND NOT g.fetched
    RETURNING g.gid
)
SELECT coalesce(sum(n), 0) AS located,
       coalesce(sum(n) FILTER (WHERE names), 0) AS named,
       coalesce(sum(n) FILTER (WHERE names), 0) AS named_exact,
       coalesce(sum(n) FILTER (WHERE names), 0) AS named_agree,
       coalesce(sum(n) FILTER (WHERE NOT names AND boxed), 0) AS region_only,
       coalesce(sum(n) FILTER (WHERE NOT names AND boxed), 0) AS region_agree
FROM judged
WHERE NOT needs_rows AND NOT wanted
