"""H3 in SQL: parent cells of stored BIGINT cells, for uncertainty-aware heatmaps.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-23

Reserved in the chain so work on several parts can land in any order; filled by its owner.
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

UPGRADE = r"""
SELECT 1;
"""

DOWNGRADE = r"""
SELECT 1;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
