"""H3 in SQL: parent cells of stored BIGINT cells, for uncertainty-aware heatmaps.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-23

No h3-pg extension: the functions read the H3 index bits directly (docs/h3.md). Layout of a
cell (mode 1), from the top: 1 reserved bit (0), 4 mode bits, 3 reserved bits, 4 resolution
bits (52-55), 7 base-cell bits (45-51), then 15 digits of 3 bits, digit 1 first (bits 42-44);
digits finer than the resolution are all 7. The parent at ``res`` is the same cell with the
resolution field set to ``res`` and digits ``res+1..15`` set to 7.

``h3_parent`` behaves as STRICT (NULL in, NULL out: its bit operators are strict) but is not
declared so: Postgres does not inline a STRICT SQL function whose body holds a CASE, and the
call then costs ~5 µs a row instead of ~0.1 µs (measured on 1M rows: 5.3 s against 0.66 s).
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE FUNCTION h3_resolution(cell bigint) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN ((cell >> 52) & 15)::integer;

COMMENT ON FUNCTION h3_resolution(bigint) IS
    'Resolution (0-15) of an H3 cell stored as BIGINT (bits 52-55 of the index).';

-- Only reached on bad input, so its call cost never lands on the hot path.
CREATE FUNCTION h3_parent_invalid(cell bigint, res integer) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF (cell >> 59) & 15 <> 1 THEN
        RAISE EXCEPTION 'h3_parent: % is not an H3 cell index (mode %)', cell, (cell >> 59) & 15
            USING ERRCODE = '22023';
    END IF;
    RAISE EXCEPTION 'h3_parent: resolution % is not between 0 and the cell''s own resolution %',
        res, (cell >> 52) & 15
        USING ERRCODE = '22023', HINT = 'ask for least(h3_res, wanted) to stay at coarse cells';
END $$;

CREATE FUNCTION h3_parent(cell bigint, res integer) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN res < 0 OR res > ((cell >> 52) & 15) OR ((cell >> 59) & 15) <> 1
        THEN h3_parent_invalid(cell, res)
    ELSE (cell & ~(15::bigint << 52))          -- clear the resolution field
         | (res::bigint << 52)                  -- set the parent's resolution
         | ((1::bigint << ((15 - res) * 3)) - 1) -- digits res+1..15 = 7 (unused)
END;

COMMENT ON FUNCTION h3_parent(bigint, integer) IS
    'Ancestor of an H3 BIGINT cell at res (0..its own); error for a finer res; NULL for NULL.';
"""

DOWNGRADE = r"""
DROP FUNCTION IF EXISTS h3_parent(bigint, integer);
DROP FUNCTION IF EXISTS h3_parent_invalid(bigint, integer);
DROP FUNCTION IF EXISTS h3_resolution(bigint);
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
