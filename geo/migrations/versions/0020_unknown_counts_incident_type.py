"""Unknown people breakdowns stored as unknown; incident_type stored in one normal form.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06

* MMP's current layout writes 0 for unknown women, men and children: 71 events of the bundled
  sample showed 0/0/0 beside up to 111 dead. An all-zero breakdown (women = men = children = 0)
  beside a positive dead + missing says nothing about who died, so it is stored as NULL
  (unknown), as the API documentation promises. ``people_breakdown_unknown`` is the rule, used
  here for stored rows and by every importer (``geo/sql/import_rows.sql``), so it lives once.
* ``incident_type`` arrived as the source wrote it ("Incident", "Cumulative Incident", "Split
  Incident"). It is stored as ``incident``, ``cumulative`` or ``split`` (NULL when the source
  does not say, or says something else: the source's text stays in ``raw``), with a CHECK.
  ``incident_type_normal`` is the rule, shared with the importers the same way.

Both functions are IMMUTABLE SQL functions with a single expression, so Postgres inlines them
into the import's statements: no per-row call cost.
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

FUNCTIONS = r"""
CREATE FUNCTION people_breakdown_unknown(
    dead integer, missing integer, women integer, men integer, children integer
) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN women = 0 AND men = 0 AND children = 0 AND coalesce(dead, 0) + coalesce(missing, 0) > 0;

COMMENT ON FUNCTION people_breakdown_unknown(integer, integer, integer, integer, integer) IS
    'True when women = men = children = 0 beside a positive dead + missing: a breakdown the '
    'source did not know, to be stored as NULL.';

CREATE FUNCTION incident_type_normal(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE lower(btrim(value))
    WHEN 'incident' THEN 'incident'
    WHEN 'single incident' THEN 'incident'
    WHEN 'cumulative incident' THEN 'cumulative'
    WHEN 'cumulative' THEN 'cumulative'
    WHEN 'split incident' THEN 'split'
    WHEN 'split' THEN 'split'
END;

COMMENT ON FUNCTION incident_type_normal(text) IS
    'MMP''s "Incident", "Cumulative Incident", "Split Incident" (any case) as '
    'incident, cumulative, split; NULL for anything else.';
"""

# The statements that rewrite stored rows, on their own so a test can run them on rows it made.
FIX_ROWS = r"""
UPDATE incidents
SET women = NULL, men = NULL, children = NULL
WHERE people_breakdown_unknown(dead, missing, women, men, children);

UPDATE incidents
SET incident_type = incident_type_normal(incident_type)
WHERE incident_type IS DISTINCT FROM incident_type_normal(incident_type);
"""

CONSTRAINT = r"""
ALTER TABLE incidents
    ADD CONSTRAINT incidents_incident_type_check
    CHECK (incident_type IN ('incident', 'cumulative', 'split'));
"""

UPGRADE = FUNCTIONS + FIX_ROWS + CONSTRAINT

DOWNGRADE = r"""
ALTER TABLE incidents DROP CONSTRAINT IF EXISTS incidents_incident_type_check;
DROP FUNCTION IF EXISTS incident_type_normal(text);
DROP FUNCTION IF EXISTS people_breakdown_unknown(integer, integer, integer, integer, integer);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
