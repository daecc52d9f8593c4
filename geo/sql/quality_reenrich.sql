-- Stage 4: look the fixed points up again with enrichment's own per-point function
-- (geo/sql/enrich_points.sql); geo/sql/enrich_update.sql then writes them with its own rules.
CREATE TEMP TABLE {result} ON COMMIT DROP AS
SELECT pt.x, pt.y, r.*
FROM (
    SELECT DISTINCT ST_X(geom) AS x, ST_Y(geom) AS y
    FROM incidents
    WHERE id = ANY (CAST(:ids AS uuid[]))
) pt, pg_temp.enrich_point(pt.x, pt.y) r
