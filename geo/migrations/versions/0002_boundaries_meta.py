"""Boundaries metadata: what the reference layers were built from.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

One row per reference-layer build, so ``crossings boundaries load --if-changed`` can tell in one
query whether the vendored inputs (Natural Earth zip, sea routes, corridor catalogue) changed.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE boundaries_meta (
    id                 boolean PRIMARY KEY DEFAULT true CHECK (id),   -- a single row
    checksum           text NOT NULL,       -- sha256 over every input file
    catalogue_version  text NOT NULL,
    counts             jsonb NOT NULL,
    loaded_at          timestamptz NOT NULL DEFAULT now()
);
"""

DOWNGRADE = "DROP TABLE IF EXISTS boundaries_meta;"


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
