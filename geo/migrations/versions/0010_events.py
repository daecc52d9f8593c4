"""Events: the same event reported by several sources, linked.

Revision ID: 0010
Revises: 0002
Create Date: 2026-11-23

A record that no other source reports is its own event (``event_id`` NULL). Records that
``geo.dedupe`` groups share ``event_id`` (the id of the group's oldest record) and carry
``event_rank`` (1 = the preferred record of the event, then by preference) and ``event_score``
(the match score against the rank-1 record; NULL for rank 1). Which record *represents* an event
to the public is decided at read time: the best-ranked record that is public and not rejected,
so a later review decision never hides an event that another public record also reports.
See docs/dedupe.md.
"""

from alembic import op

revision = "0010"
down_revision = "0002"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE incidents
    ADD COLUMN event_id     uuid,
    ADD COLUMN event_rank   smallint CHECK (event_rank >= 1),
    ADD COLUMN event_score  real CHECK (event_score BETWEEN 0 AND 1),
    ADD CONSTRAINT incidents_event_complete
        CHECK ((event_id IS NULL) = (event_rank IS NULL));
-- Members of an event in rank order: the read-time "is there a better public record" probe.
CREATE INDEX incidents_event ON incidents (event_id, event_rank) WHERE event_id IS NOT NULL;
"""

DOWNGRADE = r"""
DROP INDEX IF EXISTS incidents_event;
ALTER TABLE incidents
    DROP CONSTRAINT IF EXISTS incidents_event_complete,
    DROP COLUMN IF EXISTS event_score,
    DROP COLUMN IF EXISTS event_rank,
    DROP COLUMN IF EXISTS event_id;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
