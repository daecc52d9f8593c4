-- The "incidents" MVT layer of one tile: public events (one point per event, docs/dedupe.md)
-- with the attributes geo.tiles.FIELDS lists. The caller replaces the filter placeholder with
-- geo.repo.incidents.where_sql predicates plus the tile's lon/lat envelope (fixed fragments,
-- bound values). Coordinates are quantised to the tile grid (EXTENT units a side), never finer
-- than what /incidents serves.
WITH features AS (
    SELECT
        ST_AsMVTGeom(ST_Transform(i.geom, 3857), ST_TileEnvelope(:z, :x, :y),
                     :extent, :buffer, true)          AS geom,
        i.id::text                                   AS id,
        i.event_date::text                           AS date,
        i.date_precision,
        i.category,
        i.dead,
        i.missing,
        i.dead_and_missing,
        i.survivors,
        i.cause,
        i.location_text                              AS location,
        i.country,
        i.sea_area,
        c.slug                                       AS corridor,
        i.location_precision                         AS precision,
        i.uncertainty_m,
        i.source_name
    FROM incidents AS i
    LEFT JOIN corridors AS c ON c.id = i.corridor_id
    WHERE /*include:public_event.sql*/  -- public events only (docs/dedupe.md)
      {filter}
)
SELECT ST_AsMVT(features, 'incidents', :extent, 'geom')
FROM features
WHERE geom IS NOT NULL
