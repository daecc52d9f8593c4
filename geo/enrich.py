"""Enrichment: where each incident lies relative to countries, land borders, coasts, corridors
and named sea areas.

Computed in PostGIS with a few set-based statements (``geo/sql/enrich_*.sql``), never row by
row in Python: it runs inside every import and after every reload of the reference layers, so it
has to keep up with the importer. Each distinct coordinate is looked up once, then written back
to every incident at that coordinate. The rules (coast tolerance, nearest-border method, corridor
overlap order, which sea area names an at-sea point, the antimeridian) are documented in the
SQL, in docs/corridors.md and in docs/sea_areas.md.

The lookup is the expensive part (index probes and distances per point), so it runs in parallel
workers: the distinct points go to UNLOGGED tables (workers cannot read TEMP tables), grouped in
batches, and each batch is looked up by a PARALLEL SAFE SQL function created in ``pg_temp`` for
this transaction (a LATERAL subquery with LIMIT would keep the planner from going parallel; a SET
clause keeps it from inlining the function, which would do the same). A batch is one call: the
plan is set up once for all its points, not once per point. Tables and functions are created
and dropped inside the caller's transaction, so a failed import leaves nothing behind.

Points that share a grid cell of ``CELL_DEG`` degrees with at least ``CELL_MIN_POINTS - 1``
others are looked up by cell (``enrich_cell*.sql``): what is the same for the whole cell (inside
one country or at sea, inside the same corridors and sea area) and the few border and coast
pieces that can be nearest to any point of it are found once, so each point needs only a few
small distances; in a cell that is not settled, each country, corridor or sea piece is tested
against all the cell's points in a row, so PostGIS prepares it once. The values are exactly
those of ``enrich_points.sql`` (tests/test_enrich_cells.py compares them). The other points
(lone, or within ``180 - WRAP_DEG`` degrees of the antimeridian) are looked up one by one with
the per-point lookup, in batches by ``LONE_DEG`` square.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.db import load_sql

# Settings for this transaction only. JIT compilation costs ~0.7 s per statement here and buys
# nothing for index lookups; the parallel costs are lowered because each point's lookup costs
# ~200 µs, far more than shipping its result from a worker.
SETTINGS = {
    "jit": "off",
    "max_parallel_workers_per_gather": "2",
    "parallel_setup_cost": "10",
    "parallel_tuple_cost": "0.001",
    "min_parallel_table_scan_size": "0",
}
# Cell side in degrees, and the fewest distinct points for which a cell is worth its own lookup
# (a cell costs about two points' lookups; a lone point is looked up directly).
CELL_DEG = 0.1
CELL_MIN_POINTS = 3
# Points with |x| beyond this are looked up one by one: enrich_points.sql also searches from the
# point shifted by 360 degrees there, which the cell candidates do not. Same bound as that file.
WRAP_DEG = 170

# Created by geo/sql/enrich_points.sql (the second only runs near ±180) and enrich_cell*.sql
# for one lookup.
FUNCTIONS = (
    "pg_temp.enrich_point_batch, pg_temp.enrich_point, pg_temp.enrich_point_rows, "
    "pg_temp.enrich_point_wrapped, pg_temp.enrich_cell, pg_temp.enrich_cell_batch"
)
# The points no cell settles are looked up in batches by square of this side (degrees): one
# call sets the plan up once for many points, and their index searches stay in one region.
LONE_DEG = 10


def enrich_incidents(conn: Connection, *, import_run_id: uuid.UUID | None = None) -> int:
    """Enrich the incidents of one import run, or all incidents; returns rows enriched.

    Imports do not call this: they look up their staged points with :func:`lookup_points` and
    write the values in the merge itself (no second pass over the new rows). This re-enriches
    rows already stored: after a reload of the reference layers, or for tests.
    """
    params = {"import_run_id": str(import_run_id) if import_run_id is not None else None}
    tables = lookup_points(conn, load_sql("geo", "enrich_select.sql"), params)
    saved = _set(conn, {"jit": "off"})
    located = conn.execute(
        sa.text(load_sql("geo", "enrich_update.sql").replace("{result}", tables.result)), params
    ).rowcount
    unlocated = conn.execute(sa.text(load_sql("geo", "enrich_no_geom.sql")), params).rowcount
    tables.drop(conn)
    _set(conn, saved)
    return int(located) + int(unlocated)


@dataclass(frozen=True)
class Lookup:
    """The tables of one lookup: ``points`` (x, y) and ``result`` (x, y and the values)."""

    points: str
    result: str
    cells: str
    cands: str
    batches: str

    def drop(self, conn: Connection) -> None:
        conn.exec_driver_sql(
            f"DROP TABLE IF EXISTS {self.points}, {self.result}, {self.cells}, {self.cands}, "
            f"{self.batches}"
        )


def lookup_points(
    conn: Connection, points_select: str, params: dict[str, Any] | None = None
) -> Lookup:
    """Look up every distinct point that ``points_select`` returns (columns x, y; DISTINCT).

    Returns the names of the UNLOGGED tables created in the caller's transaction: the points,
    the result with ``inside_iso3, border_id, border_pair, border_km, coast_iso3, coast_km,
    corridor_id, sea_area`` per point (see geo/sql/enrich_points.sql; ``sea_area`` is a slug,
    looked up only for points inside no country), and the cell tables in between. The caller
    drops them (``Lookup.drop``); a rollback removes them too.
    """
    suffix = uuid.uuid4().hex
    tables = Lookup(
        f"enrich_points_{suffix}",
        f"enrich_result_{suffix}",
        f"enrich_cells_{suffix}",
        f"enrich_cands_{suffix}",
        f"enrich_batches_{suffix}",
    )
    saved = _set(conn, SETTINGS)
    conn.execute(
        sa.text(f"CREATE UNLOGGED TABLE {tables.points} AS\n{points_select}"), params or {}
    )
    conn.exec_driver_sql(f"ALTER TABLE {tables.points} SET (parallel_workers = 2)")
    conn.exec_driver_sql(f"ANALYZE {tables.points}")
    conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {FUNCTIONS}")
    conn.exec_driver_sql(load_sql("geo", "enrich_points.sql"))
    conn.exec_driver_sql(load_sql("geo", "enrich_cells.sql"))
    cell = f"floor(pt.x / {CELL_DEG!r})::integer, floor(pt.y / {CELL_DEG!r})::integer"
    near = f"abs(pt.x) <= {WRAP_DEG}"
    # The cells first, in a table of their own, so that their lookups run in parallel workers.
    keys = f"{tables.cells}_keys"
    conn.exec_driver_sql(
        f"CREATE UNLOGGED TABLE {keys} (cx, cy) AS\n"
        f"SELECT {cell} FROM {tables.points} pt WHERE {near} GROUP BY 1, 2\n"
        f"HAVING count(*) >= {CELL_MIN_POINTS}"
    )
    conn.exec_driver_sql(f"ALTER TABLE {keys} SET (parallel_workers = 2)")
    conn.exec_driver_sql(f"ANALYZE {keys}")
    conn.exec_driver_sql(
        f"CREATE UNLOGGED TABLE {tables.cells} AS\n"
        f"SELECT c.cx, c.cy, r.* FROM {keys} c, pg_temp.enrich_cell(c.cx, c.cy, {CELL_DEG!r}) r"
    )
    conn.exec_driver_sql(f"DROP TABLE {keys}")
    conn.exec_driver_sql(f"ALTER TABLE {tables.cells} SET (parallel_workers = 2)")
    conn.exec_driver_sql(f"ANALYZE {tables.cells} (cx, cy)")
    candidates = load_sql("geo", "enrich_cell_candidates.sql")
    candidates = candidates.replace("{cells}", tables.cells).replace("{s}", repr(CELL_DEG))
    conn.exec_driver_sql(f"CREATE UNLOGGED TABLE {tables.cands} AS\n{candidates}")
    conn.exec_driver_sql(f"CREATE INDEX ON {tables.cands} (cx, cy, kind)")
    conn.exec_driver_sql(f"ANALYZE {tables.cands} (cx, cy, kind)")
    # Created after its table: a SQL function's body is checked when it is created.
    conn.exec_driver_sql(load_sql("geo", "enrich_cell_points.sql").replace("{cands}", tables.cands))
    # The points in batches: all the points of one cell, with its facts; the other points (lone,
    # or near ±180; cx NULL) by 10-degree square, so that their index searches stay local. A table
    # of its own, so that the parallel scan below hands the batches to the workers a few at a time.
    lone = f"CASE WHEN c.cx IS NULL THEN floor(pt.x / {LONE_DEG}) END"
    conn.exec_driver_sql(
        f"CREATE UNLOGGED TABLE {tables.batches} AS\n"
        f"SELECT c.*, b.xs, b.ys FROM (\n"
        f"    SELECT c.cx, c.cy, array_agg(pt.x) AS xs, array_agg(pt.y) AS ys\n"
        f"    FROM {tables.points} pt\n"
        f"    LEFT JOIN {tables.cells} c ON (c.cx, c.cy) = ({cell}) AND {near}\n"
        f"    GROUP BY c.cx, c.cy, {lone}, {lone.replace('pt.x', 'pt.y')}\n"
        f") b LEFT JOIN {tables.cells} c ON (c.cx, c.cy) = (b.cx, b.cy)"
    )
    conn.exec_driver_sql(f"ALTER TABLE {tables.batches} SET (parallel_workers = 2)")
    conn.exec_driver_sql(f"ANALYZE {tables.batches} (cx)")
    conn.exec_driver_sql(
        f"CREATE UNLOGGED TABLE {tables.result} AS\n"
        f"SELECT r.*\n"
        f"FROM {tables.batches} b,\n"
        f"LATERAL pg_temp.enrich_cell_batch(b.cx, b.cy, b.xs, b.ys, b.inside_fixed,\n"
        f"    b.inside_iso3, b.corridor_fixed, b.corridor_id, b.sea_fixed, b.sea_area) r\n"
        f"WHERE b.cx IS NOT NULL\n"
        f"UNION ALL\n"
        f"SELECT r.*\n"
        f"FROM {tables.batches} b, pg_temp.enrich_point_batch(b.xs, b.ys) r\n"
        f"WHERE b.cx IS NULL"
    )
    conn.exec_driver_sql(f"ANALYZE {tables.result} (x, y)")
    conn.exec_driver_sql(f"DROP FUNCTION {FUNCTIONS}")
    # Restored on success only: after an error the transaction (or savepoint) is rolled back,
    # and these transaction-local settings with it.
    _set(conn, saved)
    return tables


def _set(conn: Connection, settings: dict[str, str]) -> dict[str, str]:
    """Set transaction-local settings; returns the previous values."""
    saved = {}
    for name, value in settings.items():
        saved[name] = conn.execute(
            sa.text("SELECT current_setting(:name)"), {"name": name}
        ).scalar_one()
        conn.execute(
            sa.text("SELECT set_config(:name, :value, true)"), {"name": name, "value": value}
        )
    return saved
