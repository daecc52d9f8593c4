"""Enrichment: where each incident lies relative to countries, land borders, coasts, corridors.

Computed in PostGIS with a few set-based statements (``geo/sql/enrich_*.sql``), never row by
row in Python: it runs inside every import and after every reload of the reference layers, so it
has to keep up with the importer. Each distinct coordinate is looked up once, then written back
to every incident at that coordinate. The rules (coast tolerance, nearest-border method, corridor
overlap order) are documented in the SQL and in docs/corridors.md.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.db import load_sql, sql


def enrich_incidents(conn: Connection, *, import_run_id: uuid.UUID | None = None) -> int:
    """Enrich the incidents of one import run, or all incidents; returns rows enriched."""
    params = {"import_run_id": str(import_run_id) if import_run_id is not None else None}
    # JIT compilation costs ~0.7 s per statement here and buys nothing for index lookups.
    jit = conn.execute(sa.text("SELECT set_config('jit', 'off', true)")).scalar_one()
    try:
        conn.execute(sql("geo", "enrich_select.sql"), params)
        conn.exec_driver_sql("ANALYZE _enrich_points")
        conn.exec_driver_sql(
            "CREATE TEMP TABLE _enrich_result ON COMMIT DROP AS\n"
            + load_sql("geo", "enrich_points.sql")
        )
        conn.exec_driver_sql("ANALYZE _enrich_result")
        located = conn.execute(sql("geo", "enrich_update.sql"), params).rowcount
        unlocated = conn.execute(sql("geo", "enrich_no_geom.sql"), params).rowcount
        conn.exec_driver_sql("DROP TABLE _enrich_points, _enrich_result")
    finally:
        conn.execute(sa.text("SELECT set_config('jit', :jit, true)"), {"jit": jit})
    return int(located) + int(unlocated)
