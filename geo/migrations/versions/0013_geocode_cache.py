"""Geocode cache: answers of the optional online geocoder, kept in the database.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23

Reserved in the chain so work on several parts can land in any order; filled by its owner.
"""

from alembic import op

revision = "0013"
down_revision = "0012"
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
