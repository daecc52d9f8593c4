-- Stage 0 of the placement checks: ONE pass over the located incidents in scope (one import
-- run's, or all), grouped by what decides most records without their geometry: the key their
-- location text is read under (stand-alone numbers as 0, see geo/quality/literal.py), region,
-- computed country, cause, and the row tests that need no text:
--  * inland: on land, farther than inland_km from any coast and river_border_km from a border
--    (a drowning there is flagged unless the text names water);
--  * far_at_sea: at sea, farther than land_at_sea_km from any coast (a land cause there is
--    flagged unless the text speaks of the sea);
--  * marked: the record carries flags or is flagged (a pass may have to clear them).
-- Per group: its size, the extent of its points (a group inside its region's box agrees
-- without a distance) and the row addresses, so the few groups that need per-row work
-- (geo/sql/quality_scope.sql) are read back without another pass over the table. The row
-- addresses are valid for this transaction's statements: the rows are the import's own.
CREATE TEMP TABLE quality_groups ON COMMIT DROP AS
SELECT regexp_replace(i.location_text, :number, '0', 'g') AS text_key,
       i.region_text,
       i.country,
       i.cause,
       coalesce(i.country <> 'at_sea'
                AND i.coast_distance_km > CAST(:inland_km AS double precision)
                AND coalesce(i.border_distance_km > CAST(:river_border_km AS double precision),
                             true), false) AS inland,
       coalesce(i.country = 'at_sea'
                AND i.coast_distance_km > CAST(:land_at_sea_km AS double precision), false)
           AS far_at_sea,
       i.quality_flags <> '[]' OR i.review_state = 'flagged' AS marked,
       count(*) AS n,
       min(ST_X(i.geom)) AS x0, max(ST_X(i.geom)) AS x1,
       min(ST_Y(i.geom)) AS y0, max(ST_Y(i.geom)) AS y1,
       array_agg(i.ctid) AS tids,
       row_number() OVER () AS gid,
       false AS wanted,
       false AS fetched
FROM incidents i
WHERE i.geom IS NOT NULL
  AND (CAST(:import_run_id AS uuid) IS NULL OR i.import_run_id = CAST(:import_run_id AS uuid))
GROUP BY 1, 2, 3, 4, 5, 6, 7
