"""Enrichment: where each incident lies relative to countries, land borders, coasts, corridors
and named sea areas.

Computed in PostGIS with a few set-based statements (``geo/sql/enrich_*.sql``), never row by
row in Python: it runs inside every import and after every reload of the reference layers, so it
has to keep up with the importer. Each distinct coordinate is looked up once, then written back
to every incident at that coordinate. The rules (coast tolerance, nearest-border method, corridor
overlap order, which sea area names an at-sea point, the antimeridian) are documented in the
SQL, in docs/corridors.md and in docs/sea_areas.md.

The lookup is the expensive part (index probes per point), so it runs in parallel workers: the
distinct points go to an UNLOGGED table (workers cannot read TEMP tables) and the per-point
lookup is a PARALLEL SAFE SQL function created in ``pg_temp`` for this transaction (a LATERAL
subquery with LIMIT would keep the planner from going parallel). Both are created and dropped
inside the caller's transaction, so a failed import leaves neither behind.
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

# Created by geo/sql/enrich_points.sql for one lookup (the second only runs near ±180).
FUNCTIONS = "pg_temp.enrich_point, pg_temp.enrich_point_wrapped"


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

    def drop(self, conn: Connection) -> None:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {self.points}, {self.result}")


def lookup_points(
    conn: Connection, points_select: str, params: dict[str, Any] | None = None
) -> Lookup:
    """Look up every distinct point that ``points_select`` returns (columns x, y; DISTINCT).

    Returns the names of two UNLOGGED tables created in the caller's transaction: the points,
    and the result with ``inside_iso3, border_id, border_pair, border_km, coast_iso3, coast_km,
    corridor_id, sea_area`` per point (see geo/sql/enrich_points.sql; ``sea_area`` is a slug,
    looked up only for points inside no country). The caller drops them (``Lookup.drop``); a
    rollback removes them too.
    """
    suffix = uuid.uuid4().hex
    tables = Lookup(f"enrich_points_{suffix}", f"enrich_result_{suffix}")
    saved = _set(conn, SETTINGS)
    conn.execute(
        sa.text(f"CREATE UNLOGGED TABLE {tables.points} AS\n{points_select}"), params or {}
    )
    conn.exec_driver_sql(f"ALTER TABLE {tables.points} SET (parallel_workers = 2)")
    conn.exec_driver_sql(f"ANALYZE {tables.points}")
    conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {FUNCTIONS}")
    conn.exec_driver_sql(load_sql("geo", "enrich_points.sql"))
    conn.exec_driver_sql(
        f"CREATE UNLOGGED TABLE {tables.result} AS\n"
        f"SELECT pt.x, pt.y, r.* FROM {tables.points} pt, pg_temp.enrich_point(pt.x, pt.y) r"
    )
    conn.exec_driver_sql(f"ANALYZE {tables.result}")
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
