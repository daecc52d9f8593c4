"""Initial schema: reference layers, incidents, import runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Written as SQL because the schema *is* SQL: generated columns, CHECK constraints, partial and
GiST indexes read better here than through the ORM. Room is left for review state,
sensitivity, origin, pushback flows and location precision, which later issues fill.
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pgcrypto;

-- Reference layers ------------------------------------------------------------------------

CREATE TABLE countries (
    iso3        text PRIMARY KEY CHECK (iso3 ~ '^[A-Z0-9]{3}$'),
    iso_a3      text,
    name        text NOT NULL,
    continent   text,
    region_un   text,
    subregion   text,
    region_wb   text,
    geom        geometry(MultiPolygon, 4326) NOT NULL
);
CREATE INDEX countries_geom_gist ON countries USING gist (geom);

-- Countries cut into small pieces: point-in-polygon on 1:10m outlines is only fast this way.
CREATE TABLE country_parts (
    id    bigserial PRIMARY KEY,
    iso3  text NOT NULL REFERENCES countries (iso3) ON DELETE CASCADE,
    geom  geometry(Polygon, 4326) NOT NULL
);
CREATE INDEX country_parts_geom_gist ON country_parts USING gist (geom);

CREATE TABLE land_borders (
    id         serial PRIMARY KEY,
    iso3_a     text NOT NULL REFERENCES countries (iso3) ON DELETE CASCADE,
    iso3_b     text NOT NULL REFERENCES countries (iso3) ON DELETE CASCADE,
    pair       text GENERATED ALWAYS AS (iso3_a || '-' || iso3_b) STORED,
    length_km  double precision NOT NULL,
    geom       geometry(MultiLineString, 4326) NOT NULL,
    CHECK (iso3_a < iso3_b),
    UNIQUE (iso3_a, iso3_b)
);
CREATE INDEX land_borders_geom_gist ON land_borders USING gist (geom);

CREATE TABLE land_border_parts (
    id         bigserial PRIMARY KEY,
    border_id  integer NOT NULL REFERENCES land_borders (id) ON DELETE CASCADE,
    geom       geometry(LineString, 4326) NOT NULL
);
CREATE INDEX land_border_parts_geom_gist ON land_border_parts USING gist (geom);

CREATE TABLE coastline (
    id     serial PRIMARY KEY,
    iso3   text REFERENCES countries (iso3) ON DELETE CASCADE,
    geom   geometry(MultiLineString, 4326) NOT NULL
);
CREATE INDEX coastline_geom_gist ON coastline USING gist (geom);

CREATE TABLE coastline_parts (
    id            bigserial PRIMARY KEY,
    coastline_id  integer NOT NULL REFERENCES coastline (id) ON DELETE CASCADE,
    geom          geometry(LineString, 4326) NOT NULL
);
CREATE INDEX coastline_parts_geom_gist ON coastline_parts USING gist (geom);

CREATE TABLE corridors (
    id           serial PRIMARY KEY,
    slug         text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name         text NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('land', 'sea', 'mixed')),
    region       text NOT NULL,
    description  text,
    countries    text[] NOT NULL DEFAULT '{}',
    mmp_routes   text[] NOT NULL DEFAULT '{}',
    priority     integer NOT NULL DEFAULT 0,
    area_km2     double precision,
    catalogue_version text NOT NULL,
    geom         geometry(MultiPolygon, 4326) NOT NULL
);
CREATE INDEX corridors_geom_gist ON corridors USING gist (geom);

CREATE TABLE corridor_parts (
    id           bigserial PRIMARY KEY,
    corridor_id  integer NOT NULL REFERENCES corridors (id) ON DELETE CASCADE,
    geom         geometry(Polygon, 4326) NOT NULL
);
CREATE INDEX corridor_parts_geom_gist ON corridor_parts USING gist (geom);

CREATE TABLE sea_routes (
    id            serial PRIMARY KEY,
    slug          text NOT NULL UNIQUE,
    name          text NOT NULL,
    from_port     text NOT NULL,
    to_port       text NOT NULL,
    corridor_slug text,
    length_km     double precision NOT NULL,
    geom          geometry(LineString, 4326) NOT NULL
);
CREATE INDEX sea_routes_geom_gist ON sea_routes USING gist (geom);

-- Imports ---------------------------------------------------------------------------------

CREATE TABLE import_runs (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    importer     text NOT NULL,               -- mmp | csv | geojson
    source       text NOT NULL,
    file_name    text NOT NULL,
    checksum     text NOT NULL,               -- sha256 of the file's bytes
    layout       text,                        -- which column layout was recognised
    status       text NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running', 'succeeded', 'failed')),
    rows_read    integer NOT NULL DEFAULT 0,
    inserted     integer NOT NULL DEFAULT 0,
    updated      integer NOT NULL DEFAULT 0,
    unchanged    integer NOT NULL DEFAULT 0,
    rejected     integer NOT NULL DEFAULT 0,
    rejections   jsonb NOT NULL DEFAULT '[]',  -- [{"row": n, "reason": "..."}]
    warnings     jsonb NOT NULL DEFAULT '[]',  -- [{"row": n, "field": "...", "message": "..."}]
    error        text,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
CREATE INDEX import_runs_checksum ON import_runs (checksum);
CREATE INDEX import_runs_started ON import_runs (started_at DESC);

-- Incidents -------------------------------------------------------------------------------

CREATE TABLE incidents (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source              text NOT NULL,
    source_id           text NOT NULL,
    row_hash            text NOT NULL,        -- of the normalised values: decides updated/unchanged
    import_run_id       uuid REFERENCES import_runs (id) ON DELETE SET NULL,

    incident_type       text,                 -- MMP: Incident | Cumulative Incident | Split Incident
    category            text NOT NULL
                        CHECK (category IN ('death', 'disappearance', 'pushback', 'violence',
                                            'detention', 'other')),
    event_date          date,
    date_precision      text CHECK (date_precision IN ('day', 'month', 'year')),
    reported_date       date,

    dead                integer CHECK (dead >= 0),
    missing             integer CHECK (missing >= 0),
    dead_and_missing    integer GENERATED ALWAYS AS (coalesce(dead, 0) + coalesce(missing, 0)) STORED,
    survivors           integer CHECK (survivors >= 0),
    injured             integer CHECK (injured >= 0),
    pushed_back         integer CHECK (pushed_back >= 0),
    women               integer CHECK (women >= 0),
    men                 integer CHECK (men >= 0),
    children            integer CHECK (children >= 0),

    cause               text,
    location_text       text,
    region_text         text,                 -- the source's own region name
    route_text          text,                 -- the source's own route name (MMP "Migration route")

    geom                geometry(Point, 4326),
    uncertainty_m       double precision CHECK (uncertainty_m >= 0),
    location_precision  text CHECK (location_precision IN
                            ('exact', 'site', 'locality', 'admin', 'country', 'sea_area')),
    h3_cell             bigint,               -- res 9 unless uncertainty says coarser
    h3_res              smallint CHECK (h3_res BETWEEN 0 AND 15),

    -- enrichment, computed in PostGIS at import
    country             text,                 -- ISO3 (Natural Earth ADM0_A3) or 'at_sea'
    sea_area            text,
    border_id           integer REFERENCES land_borders (id) ON DELETE SET NULL,
    border_pair         text,                 -- 'MEX-USA'
    border_distance_km  double precision,
    coast_distance_km   double precision,
    corridor_id         integer REFERENCES corridors (id) ON DELETE SET NULL,
    enriched_at         timestamptz,

    -- origin of the people affected
    origin_countries    text[],
    origin_region       text,

    -- pushbacks and violence
    pushed_from         text,                 -- ISO3
    pushed_to           text,                 -- ISO3
    violence_types      text[],

    -- trust
    review_state        text NOT NULL DEFAULT 'unreviewed'
                        CHECK (review_state IN ('unreviewed', 'verified', 'flagged', 'rejected')),
    sensitivity         text NOT NULL DEFAULT 'public'
                        CHECK (sensitivity IN ('public', 'restricted', 'confidential')),

    source_quality      text,
    source_name         text,                 -- e.g. MMP "Information Source"
    source_url          text,
    raw                 jsonb NOT NULL,

    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source, source_id)
);
CREATE INDEX incidents_geom_gist ON incidents USING gist (geom);
CREATE INDEX incidents_event_date ON incidents (event_date, id);
CREATE INDEX incidents_category ON incidents (category);
CREATE INDEX incidents_country ON incidents (country);
CREATE INDEX incidents_corridor ON incidents (corridor_id);
CREATE INDEX incidents_h3 ON incidents (h3_cell);
CREATE INDEX incidents_border ON incidents (border_id);
CREATE INDEX incidents_import_run ON incidents (import_run_id);
"""

DOWNGRADE = """
DROP TABLE IF EXISTS incidents, import_runs, sea_routes, corridor_parts, corridors,
    coastline_parts, coastline, land_border_parts, land_borders, country_parts, countries CASCADE;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
