"""Quality flags: why the placement checks doubt a record.

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-23

``quality_flags`` holds what ``geo.quality.check_placements`` found, machine-readable:
``[{"check": "country_mismatch", "named": ["LBY"], "computed": "TUN", "distance_km": 42.1}, ...]``
and the fixes it made (``{"check": "swapped_coordinates", "action": "fixed", ...}``). A record
with an open flag is also moved from ``unreviewed`` to ``review_state = 'flagged'``; reviewed
records keep their state. See docs/quality.md.
"""

from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE incidents
    ADD COLUMN quality_flags jsonb NOT NULL DEFAULT '[]'
        CHECK (jsonb_typeof(quality_flags) = 'array');
-- The review queue: records the checks doubt.
CREATE INDEX incidents_quality_flagged ON incidents (id) WHERE quality_flags <> '[]';
"""

DOWNGRADE = r"""
DROP INDEX IF EXISTS incidents_quality_flagged;
ALTER TABLE incidents DROP COLUMN IF EXISTS quality_flags;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
