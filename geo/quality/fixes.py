"""Applying the fixes the checks decided: flip, new H3 cell, re-enrichment with enrichment's SQL."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo import h3index
from geo.db import load_sql
from geo.enrich import lookup_points


def fix_entry(swap: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(swap["id"]),
        "source_id": swap["source_id"],
        "location_text": swap["location_text"],
        "country_before": swap["country"],
        "country_after": swap["flipped_country"],  # re-enrichment replaces it when written
        "named": list(swap["named"]),
        "from": [round(swap["y"], 6), round(swap["x"], 6)],  # [lat, lon], as sources write
        "to": [round(swap["x"], 6), round(swap["y"], 6)],
        "distance_km_before": _km(
            swap["named_km"] if swap["named_km"] is not None else swap["region_km"]
        ),
        "distance_km_after": _km(swap["flipped_km"]),
    }


def _km(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def apply_fixes(conn: Connection, swaps: list[dict[str, Any]], fixed: list[dict[str, Any]]) -> None:
    """Flip, recompute H3, re-enrich the flipped points with enrichment's own SQL."""
    updates = []
    for swap, entry in zip(swaps, fixed, strict=True):
        res = swap["h3_res"] if swap["h3_res"] is not None else h3index.DEFAULT_RES
        flag = {
            "check": "swapped_coordinates",
            "action": "fixed",
            "from": entry["from"],
            "to": entry["to"],
            "country_before": entry["country_before"],
        }
        # flipped: the new lon is the old lat (y), the new lat the old lon (x)
        updates.append(
            {
                "id": str(swap["id"]),
                "h3_cell": h3index.cell(swap["y"], swap["x"], res),
                "entry": json.dumps([flag]),
            }
        )
    conn.execute(sa.text(load_sql("geo", "quality_fix.sql")), updates)
    # Enrichment's own per-point lookup and update rules, for the flipped points only.
    ids = [u["id"] for u in updates]
    tables = lookup_points(conn, load_sql("geo", "quality_reenrich.sql"), {"ids": ids})
    conn.execute(
        sa.text(load_sql("geo", "enrich_update.sql").replace("{result}", tables.result)),
        {"import_run_id": None},
    )
    # enrich_update.sql rewrote every record at a flipped point, fixed or not: the flags are
    # written by row address (quality_flags.sql), so the others' addresses are read again too
    for table in ("quality_scope", "quality_base"):
        conn.exec_driver_sql(
            f"UPDATE {table} s SET tid = i.ctid FROM {tables.result} r, incidents i"
            " WHERE ST_X(s.geom) = r.x AND ST_Y(s.geom) = r.y AND i.id = s.id"
            " AND i.ctid <> s.tid"
        )
    tables.drop(conn)
    # the checks that follow read the fixed points
    conn.execute(
        sa.text(
            "UPDATE quality_scope s SET geom = i.geom, country = i.country, tid = i.ctid,"
            " coast_km = i.coast_distance_km, border_km = i.border_distance_km,"
            " quality_flags = i.quality_flags FROM incidents i"
            " WHERE s.id = i.id AND i.id = ANY (CAST(:ids AS uuid[]))"
        ),
        {"ids": ids},
    )
    after = conn.execute(
        sa.text("SELECT id, country FROM incidents WHERE id = ANY (CAST(:ids AS uuid[]))"),
        {"ids": ids},
    ).all()
    countries = {str(r.id): r.country for r in after}
    for entry in fixed:
        entry["country_after"] = countries.get(entry["id"])
