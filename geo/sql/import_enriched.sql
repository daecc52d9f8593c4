-- Staged rows with their enrichment ({result}: geo.enrich.lookup_points over import_points.sql),
-- so the merge writes final values and no UPDATE pass over the new rows follows. Same rules as
-- enrich_update.sql / enrich_no_geom.sql (docs/corridors.md):
--  * country_land: the containing country; else within 0.5 km of a coast, that coast's country;
--    else 'at_sea'. country_sea: for a row whose location_precision is 'sea_area' (a source
--    that says so, or a place name geocoded to a sea), the coast tolerance does not apply.
--  * sea_area: the named sea area (docs/sea_areas.md) of a row that ends up 'at_sea': beyond
--    the coast tolerance, or within it for a row whose own location_precision is 'sea_area'
--  * no location: every value NULL.
CREATE TEMP VIEW import_enriched AS
SELECT r.*,
       CASE WHEN r.geom IS NULL THEN NULL
            WHEN e.inside_iso3 IS NOT NULL THEN e.inside_iso3
            WHEN e.coast_km <= 0.5 THEN e.coast_iso3
            ELSE 'at_sea'
       END AS country_land,
       CASE WHEN r.geom IS NOT NULL THEN coalesce(e.inside_iso3, 'at_sea') END AS country_sea,
       e.border_id,
       e.border_pair,
       e.border_km AS border_distance_km,
       e.coast_km AS coast_distance_km,
       e.corridor_id,
       CASE WHEN r.geom IS NULL OR e.inside_iso3 IS NOT NULL THEN NULL
            WHEN e.coast_km > 0.5 OR e.coast_km IS NULL THEN e.sea_area
            WHEN r.location_precision = 'sea_area' THEN e.sea_area
       END AS sea_area
FROM import_rows r
LEFT JOIN {result} e ON e.x = r.lon AND e.y = r.lat
