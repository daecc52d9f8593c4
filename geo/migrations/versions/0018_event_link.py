"""Event links: how a record joined its event.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06

``event_link`` says why a record that is not its event's preferred record (``event_rank > 1``)
was linked to it: ``'match'`` — it matches the preferred record as a distinct event (score at or
above the threshold, no rival candidate); ``'assigned'`` — it is one of several interchangeable
records of two exports of one source (e.g. Pima County's one body per row, listed by day in one
export and by month in the other), paired one to one so each body counts once, without a claim
about which record is which (``geo.dedupe.assign_interchangeable``, docs/dedupe.md); ``'part'``
— it is one of the rows another export splits an incident into (the dead in one row, the
missing in another) that together make up the preferred record (``geo.dedupe.find_splits``).
NULL for preferred records and records that are their own event.
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE incidents
    ADD COLUMN event_link text CHECK (event_link IN ('match', 'assigned', 'part')),
    ADD CONSTRAINT incidents_event_link_rank CHECK (event_link IS NULL OR event_rank > 1);
"""

DOWNGRADE = r"""
ALTER TABLE incidents
    DROP CONSTRAINT IF EXISTS incidents_event_link_rank,
    DROP COLUMN IF EXISTS event_link;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
