"""review_geom: the source's point of a record placed at a coarser level, kept for review only.

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-06

When the placement checks believe a record's point is wrong (its latitude and longitude look
swapped) but the evidence is too weak to apply the fix, the record is placed at the level the
platform is sure of (the named country or sea area: its label point, precision ``country`` or
``sea_area``, the area's size as ``uncertainty_m``) and the source's point is kept here. It is
never served by the public API, never counted or mapped; reviewers read it in the database.
See docs/quality.md ("withheld").
"""

from alembic import op

revision = "0022"
down_revision = "0020"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE incidents ADD COLUMN review_geom geometry(Point, 4326);
COMMENT ON COLUMN incidents.review_geom IS
    'Source point withheld by the placement checks (geo.quality); never public.';
"""

DOWNGRADE = r"""
ALTER TABLE incidents DROP COLUMN IF EXISTS review_geom;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
