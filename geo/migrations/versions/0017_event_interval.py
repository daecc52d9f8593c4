"""Event interval: the last day an event can have happened on, from its date precision.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06

A record known only to the month ("January 2014") is stored on the 1st of that month with
``date_precision = 'month'``. Date filters compared that 1st alone and dropped the record from
``datetime=2014-01-02/2014-01-31`` although it may well lie inside. ``event_end`` is the last
day of the interval the precision allows (the day itself, the month's last day, the year's last
day), so a filter can match records whose interval *overlaps* the asked one, or lies *within* it
(``geo.repo.incidents.filter_sql``, docs/api.md "Dates").

A stored generated column: the rule lives once, in the schema, and every query reads the same
value. An interval is at most a year long, so ``event_date >= start - 366 days`` bounds an
overlap query on the existing (event_date, id) B-tree; no new index is needed. The table is
analysed afterwards (see UPGRADE).
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE incidents
    ADD COLUMN event_end date GENERATED ALWAYS AS (
        CASE date_precision
            WHEN 'month' THEN (date_trunc('month', event_date::timestamp)
                               + interval '1 month - 1 day')::date
            WHEN 'year' THEN (date_trunc('year', event_date::timestamp)
                              + interval '1 year - 1 day')::date
            ELSE event_date
        END) STORED;
-- Adding a stored column rewrites the table, and the planner loses its column statistics
-- with it: without them it takes the public-event rule for 1 % of the rows and picks a
-- nested loop that makes the first page of /incidents take seconds.
ANALYZE incidents;
"""

DOWNGRADE = r"""
ALTER TABLE incidents DROP COLUMN IF EXISTS event_end;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
