-- How often the computed country agrees with what the record names: among located records
-- that name a country (exactly: the computed country is a named one; within tolerance: as the
-- checks judge it), and among those that name none but have a known region.
SELECT count(*) AS located,
       count(*) FILTER (WHERE cardinality(named) > 0) AS named,
       count(*) FILTER (WHERE cardinality(named) > 0 AND agrees_exactly) AS named_exact,
       count(*) FILTER (WHERE cardinality(named) > 0 AND NOT disagrees) AS named_agree,
       count(*) FILTER (WHERE cardinality(named) = 0 AND region_km IS NOT NULL) AS region_only,
       count(*) FILTER (WHERE cardinality(named) = 0 AND region_km IS NOT NULL
                          AND NOT disagrees) AS region_agree
FROM quality_base
