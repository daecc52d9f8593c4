-- Staging for one import: rows already validated in Python, COPYed in one stream.
-- Column order matches geo.importers.base.STAGE_COLUMNS, then row_hash.
CREATE TEMP TABLE import_stage (
    row_no            integer NOT NULL,
    source_id         text NOT NULL,
    incident_type     text,
    category          text NOT NULL,
    event_date        date,
    date_precision    text,
    reported_date     date,
    dead              integer,
    missing           integer,
    survivors         integer,
    injured           integer,
    pushed_back       integer,
    women             integer,
    men               integer,
    children          integer,
    cause             text,
    location_text     text,
    region_text       text,
    route_text        text,
    lon               double precision,
    lat               double precision,
    h3_cell           bigint,
    h3_res            smallint,
    location_precision text,
    uncertainty_m     double precision,
    location_source   text,   -- 'source' | 'geocoded' | NULL (no point)
    geocode           text,   -- JSON: the geocoder's decision for a row without coordinates
    location_flag     text,   -- JSON: a quality flag (ambiguous_location) or NULL
    origin_countries  text,   -- list joined by U+001F
    origin_region     text,
    pushed_from       text,
    pushed_to         text,
    violence_types    text,   -- list joined by U+001F
    source_quality    text,
    source_name       text,
    source_url        text,
    raw_cells         text,   -- the original cells joined by U+001F (keys in import_params)
    raw_json          text,   -- or the original record as JSON (GeoJSON properties)
    row_hash          text NOT NULL  -- MD5 of the staged line after the row number (copytext.hashed)
)
