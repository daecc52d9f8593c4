"""Sea areas: named seas and straits, so at-sea incidents say which water.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23

``sea_areas`` is built by ``boundaries.load`` from the curated catalogue
(``boundaries/sea_areas.toml``, docs/sea_areas.md), clipped by land; ``sea_area_parts`` holds
pieces of at most 128 vertices for point-in-polygon at enrichment time, like corridor_parts
(with the area's slug and area_km2, so the lookup needs no join).
``incidents.sea_area`` (0001) holds the slug; it has no foreign key so a reload of the layers
does not rewrite incidents once per deleted area (enrichment rewrites them once instead).
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE sea_areas (
    id                 serial PRIMARY KEY,
    slug               text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name               text NOT NULL,
    kind               text NOT NULL
                       CHECK (kind IN ('sea', 'gulf', 'strait', 'channel', 'bay', 'ocean')),
    area_km2           double precision NOT NULL,   -- after clipping; smaller wins on overlap
    catalogue_version  text NOT NULL,
    geom               geometry(MultiPolygon, 4326) NOT NULL
);
CREATE INDEX sea_areas_geom_gist ON sea_areas USING gist (geom);

-- slug and area_km2 are copied from sea_areas: the per-point lookup then needs no join, which
-- made it ~5x faster (the join dominated the cost of a probe).
CREATE TABLE sea_area_parts (
    id           bigserial PRIMARY KEY,
    sea_area_id  integer NOT NULL REFERENCES sea_areas (id) ON DELETE CASCADE,
    slug         text NOT NULL,
    area_km2     double precision NOT NULL,
    geom         geometry(Polygon, 4326) NOT NULL
);
CREATE INDEX sea_area_parts_geom_gist ON sea_area_parts USING gist (geom);
CREATE INDEX sea_area_parts_sea_area_id ON sea_area_parts (sea_area_id);
"""

DOWNGRADE = r"""
DROP TABLE IF EXISTS sea_area_parts, sea_areas;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
