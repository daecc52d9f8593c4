-- Public incidents, one row per feature: per event (docs/dedupe.md), its best-ranked public
-- record. The Python caller appends filter predicates to the WHERE clause (fixed fragments,
-- bound values) so that every query the planner sees is exact and can use the GiST (geom) and
-- B-tree (event_date, id), (category), (country), (corridor_id) indexes. Raw JSONB and non-public columns are never selected.
SELECT
    i.id,
    ST_X(i.geom)            AS lon,
    ST_Y(i.geom)            AS lat,
    i.event_date,
    i.date_precision,
    i.category,
    i.incident_type,
    i.dead,
    i.missing,
    i.dead_and_missing,
    i.survivors,
    i.injured,
    i.pushed_back,
    i.women,
    i.men,
    i.children,
    i.cause,
    i.location_text         AS location,
    i.country,
    i.sea_area,
    i.border_pair           AS border,
    round(i.border_distance_km::numeric, 3)::float8  AS border_distance_km,
    round(i.coast_distance_km::numeric, 3)::float8   AS coast_distance_km,
    c.slug                  AS corridor,
    i.h3_cell,
    i.h3_res,
    i.location_precision    AS precision,
    i.uncertainty_m,
    i.location_source,
    i.precision_basis,
    i.source,
    i.source_name,
    i.source_url,           -- served only when http(s): geo.repo.incidents.public_url
    i.route_text            AS route,
    i.review_state,
    i.quality_flags,        -- worded by geo.quality.words.review_reasons, never served as is
    i.source_id,
    i.event_id
FROM incidents AS i
LEFT JOIN corridors AS c ON c.id = i.corridor_id
WHERE /*include:public_event.sql*/  -- public events only (docs/dedupe.md)
