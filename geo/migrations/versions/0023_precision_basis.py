"""Precision basis: why a record's location precision and uncertainty are what they are.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06

MMP gives coordinates even where its location text says the place is not known ("Unspecified
location between Libya and Italy", "Mixed", "Mexico (likely)"), and the import rule (precision
from the coordinates, docs/import.md "Location precision") called those points ``locality``
±5 km. The precision pass (``geo.precision``) widens them to the area the text names and records
why in ``precision_basis``:

- ``'coordinates'``: the import's rule stands (the source's own precision fields, the decimals of
  its coordinates, or the geocoder for a record placed from its text);
- ``'text'``: widened to the area the location text names (a country, a sea area, a border, an
  admin area) or, for vague text ("Mixed", "Unknown"), the country or sea area of the point;
- ``'cumulative'``: a cumulative figure (many deaths over a period and an area) is at least an
  admin area, whatever its text.

NULL for a record without a point, and for rows the pass has not seen yet. No index: three
values, read with the row.
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

UPGRADE = r"""
ALTER TABLE incidents
    ADD COLUMN IF NOT EXISTS precision_basis text
        CHECK (precision_basis IN ('coordinates', 'text', 'cumulative'));
"""

DOWNGRADE = r"""
ALTER TABLE incidents DROP COLUMN IF EXISTS precision_basis;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
