-- Staged rows that the rules of import_rows.sql change, as the report's warnings (one kind per
-- rule, with the file's row numbers): an all-zero breakdown beside a positive dead + missing
-- stored as unknown, and an incident type that is none of the known three, stored as NULL.
SELECT s.row_no,
       'women/men/children' AS field,
       'all 0 beside ' || (coalesce(s.dead, 0) + coalesce(s.missing, 0))
           || ' dead and missing; stored as unknown' AS message,
       'all-zero breakdown stored as unknown' AS kind
FROM import_stage AS s
WHERE people_breakdown_unknown(s.dead, s.missing, s.women, s.men, s.children)
UNION ALL
SELECT s.row_no,
       'incident_type',
       'incident type ' || quote_literal(s.incident_type)
           || ' is not Incident, Cumulative Incident or Split Incident; left empty',
       'unknown incident type left empty'
FROM import_stage AS s
WHERE s.incident_type IS NOT NULL AND incident_type_normal(s.incident_type) IS NULL
ORDER BY 1
