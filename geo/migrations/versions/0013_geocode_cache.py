"""Geocode cache: answers of the optional online geocoder, kept in the database.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23

``geocode_cache`` keeps every answer the online geocoder (``geo.geocode.online``) got, found or
not, so the same text is never sent twice. ``query_key`` is the normalised text that was sent
plus the country hint sent with it; ``answer`` is the service's raw JSON list (empty when
nothing was found), from which results are rebuilt on read. The other columns summarise the
decision made when the answer was stored, for people reading the table. Failed requests
(network errors, timeouts, 5xx) are never stored. See docs/geocoding.md, "Online geocoder".
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE geocode_cache (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider      text NOT NULL,
    query_key     text NOT NULL,
    query         text NOT NULL,
    country_hint  text,
    status        text NOT NULL CHECK (status IN ('matched', 'ambiguous', 'not_found')),
    answer        jsonb NOT NULL CHECK (jsonb_typeof(answer) = 'array'),
    lat           double precision CHECK (lat BETWEEN -90 AND 90),
    lon           double precision CHECK (lon BETWEEN -180 AND 180),
    precision     text,
    uncertainty_m double precision CHECK (uncertainty_m >= 0),
    display_name  text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT geocode_cache_key UNIQUE (provider, query_key),
    CONSTRAINT geocode_cache_point CHECK ((status = 'matched') = (lat IS NOT NULL AND lon IS NOT NULL))
);
"""

DOWNGRADE = r"""
DROP TABLE IF EXISTS geocode_cache;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
