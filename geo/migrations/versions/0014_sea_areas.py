"""Sea areas: named seas and straits, so at-sea incidents say which water.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23

Reserved in the chain so work on several parts can land in any order; filled by its owner.
"""

from alembic import op

revision = "0014"
down_revision = "0013"
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
