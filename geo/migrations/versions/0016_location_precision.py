"""Location precision: where a record's point came from and how the geocoder decided it.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-23

``location_precision``, ``uncertainty_m``, ``h3_cell`` and ``h3_res`` exist since 0001; imports
now set them for every located row (docs/import.md, "Location precision"), with ``h3_res`` the
finest resolution whose average hexagon edge is at least the uncertainty
(``geo.h3index.resolution_for_uncertainty``). This adds:

- ``location_source``: ``'source'`` (the file's coordinates) or ``'geocoded'`` (placed from the
  location text at import); NULL for a record without a point.
- ``geocode``: the geocoder's decision for a record without coordinates, kept for review:
  ``{"status", "placed", "match", "match_source", "score", "precision", "uncertainty_m", "country",
  "reason", "candidates": [...]}``.

``IF NOT EXISTS``: a database stamped at the reserved placeholder 0016 is brought up to date
with ``alembic downgrade 0015`` then ``upgrade head`` without harm.

No index on the precision: six values, none rare enough for an index to beat a scan, and every
secondary index is rebuilt on bulk loads.
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE incidents
    ADD COLUMN IF NOT EXISTS location_source text
        CHECK (location_source IN ('source', 'geocoded')),
    ADD COLUMN IF NOT EXISTS geocode jsonb CHECK (jsonb_typeof(geocode) = 'object');
"""

DOWNGRADE = r"""
ALTER TABLE incidents
    DROP COLUMN IF EXISTS geocode,
    DROP COLUMN IF EXISTS location_source;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
