-- What every merge path writes (import_merge.sql, import_merge_bulk_*.sql): the enriched staged
-- rows (import_enriched.sql) under incidents' own column names, plus the two rules that depend
-- on the row already stored. Run with exec_driver_sql (several statements).
--  * country: a 'sea_area' record (a named sea, from the source or the geocoder) takes
--    country_sea, which ignores the coast tolerance; every other record country_land
--    (docs/corridors.md). The same for inserted and updated rows.
--  * location_flags: [] or [{"check": "ambiguous_location", ...}] for a text the geocoder could
--    not decide; new rows with a flag start 'flagged'.
CREATE OR REPLACE TEMP VIEW import_final AS
SELECT e.source, e.source_id, e.row_hash, e.import_run_id, e.incident_type, e.category,
       e.event_date, e.date_precision, e.reported_date,
       e.dead, e.missing, e.survivors, e.injured, e.pushed_back, e.women, e.men, e.children,
       e.cause, e.location_text, e.region_text, e.route_text,
       e.geom, e.h3_cell, e.h3_res, e.location_precision, e.uncertainty_m, e.location_source,
       -- the import's rule; the precision pass (geo.precision) widens from there
       CASE WHEN e.geom IS NOT NULL THEN 'coordinates' END AS precision_basis,
       e.geocode,
       e.origin_countries, e.origin_region, e.pushed_from, e.pushed_to, e.violence_types,
       e.source_quality, e.source_name, e.source_url, e.raw,
       CASE WHEN e.location_precision = 'sea_area' THEN e.country_sea ELSE e.country_land END
           AS country,
       e.border_id, e.border_pair, e.border_distance_km, e.coast_distance_km, e.corridor_id,
       e.sea_area,
       now() AS enriched_at,
       now() AS updated_at,
       e.location_flags,
       CASE WHEN e.location_flags <> '[]' THEN 'flagged' ELSE 'unreviewed' END AS new_state
FROM import_enriched e;

-- An updated row's flags: the placement checks' flags are kept (they run after imports and
-- recompute their own), its previous ambiguous_location flag is replaced by this import's.
CREATE OR REPLACE FUNCTION pg_temp.import_flags(old jsonb, new jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE
RETURN (SELECT coalesce(jsonb_agg(f), '[]') FROM jsonb_array_elements(old) f
        WHERE f ->> 'check' IS DISTINCT FROM 'ambiguous_location') || new;

-- An updated row's review state, as the placement checks do it (geo/sql/quality_flags.sql):
-- 'unreviewed' → 'flagged' with a new flag; back to 'unreviewed' when the ambiguity that flagged
-- it is gone and no other open flag remains; verified and rejected records keep their state.
CREATE OR REPLACE FUNCTION pg_temp.import_review_state(state text, old jsonb, new jsonb)
RETURNS text
LANGUAGE sql IMMUTABLE
RETURN CASE
    WHEN new <> '[]' AND state = 'unreviewed' THEN 'flagged'
    WHEN new = '[]' AND state = 'flagged'
         AND old @> '[{"check": "ambiguous_location"}]'
         AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(old) f
                         WHERE f ->> 'check' <> 'ambiguous_location'
                           AND f ->> 'action' IS DISTINCT FROM 'fixed')
        THEN 'unreviewed'
    ELSE state
END;
