"""Applying what the checks decided: a swap fixed (flipped), or the point withheld (placed at
the named country or sea area, the source's point kept for review); then re-enrichment with
enrichment's own SQL."""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from importlib import resources
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
    countries = reenrich(conn, [str(swap["id"]) for swap in swaps])
    for entry in fixed:
        entry["country_after"] = countries.get(entry["id"])


@cache
def country_labels() -> dict[str, tuple[float, float, float]]:
    """ADM0_A3 -> (lon, lat, radius_m): where a record known only to the country is placed, and
    how uncertain it then is (geo/data/countries.csv, the geocoder's country places)."""
    data = resources.files("geo") / "data" / "countries.csv"
    return {
        row["adm0_a3"]: (float(row["lon"]), float(row["lat"]), float(row["radius_m"]))
        for row in csv.DictReader(io.StringIO(data.read_text("utf-8")))
    }


def withhold_entry(swap: dict[str, Any], target: dict[str, Any]) -> dict[str, Any] | None:
    """Where a swap suggested on weak evidence places the record: the named country nearest to
    the flipped point, else the country the flipped point lies in, else its sea area; None when
    none is known (the record is then only flagged, with the suggestion)."""
    labels = country_labels()
    code = target["named"] or target["inside"]
    if code in labels:
        lon, lat, radius = labels[code]
        level, area, name = "country", code, None
    elif target["sea_slug"] is not None:
        lon, lat, radius = target["sea_lon"], target["sea_lat"], target["sea_radius_m"]
        level, area, name = "sea_area", target["sea_slug"], target["sea_name"]
    else:
        return None
    return {
        "id": str(swap["id"]),
        "source_id": swap["source_id"],
        "location_text": swap["location_text"],
        "country_before": swap["country"],
        "country_after": code if level == "country" else "at_sea",  # replaced when written
        "named": list(swap["named"]),
        "level": level,
        "area": area,
        "area_name": name,
        "uncertainty_m": round(float(radius)),
        "point": (float(lon), float(lat)),
    }


def apply_withholds(conn: Connection, withheld: list[dict[str, Any]]) -> None:
    """Keep the source's point for review, place each record at its area (quality_withhold.sql)
    with the area's size as uncertainty and a coarse H3 cell, and re-enrich it."""
    updates = []
    for entry in withheld:
        lon, lat = entry.pop("point")
        res = h3index.resolution_for_uncertainty(entry["uncertainty_m"])
        flag = {
            "check": "swapped_coordinates",
            "action": "withheld",
            "level": entry["level"],
            "area": entry["area"],
            "country_before": entry["country_before"],
        }
        if entry["area_name"] is not None:
            flag["area_name"] = entry["area_name"]
        updates.append(
            {
                "id": entry["id"],
                "lon": lon,
                "lat": lat,
                "precision": entry["level"],
                "uncertainty_m": entry["uncertainty_m"],
                "h3_res": res,
                "h3_cell": h3index.cell(lon, lat, res),
                "entry": json.dumps([flag]),
            }
        )
    conn.execute(sa.text(load_sql("geo", "quality_withhold.sql")), updates)
    countries = reenrich(conn, [u["id"] for u in updates])
    for entry in withheld:
        entry["country_after"] = countries.get(entry["id"])


def reenrich(conn: Connection, ids: list[str]) -> dict[str, str | None]:
    """Re-enrich the records just moved with enrichment's own lookup and update rules, and
    refresh the pass's copies of them; returns their new countries by id."""
    tables = lookup_points(conn, load_sql("geo", "quality_reenrich.sql"), {"ids": ids})
    conn.execute(
        sa.text(load_sql("geo", "enrich_update.sql").replace("{result}", tables.result)),
        {"import_run_id": None},
    )
    # enrich_update.sql rewrote every record at a moved point, moved or not: the flags are
    # written by row address (quality_flags.sql), so the others' addresses are read again too
    for table in ("quality_scope", "quality_base"):
        conn.exec_driver_sql(
            f"UPDATE {table} s SET tid = i.ctid FROM {tables.result} r, incidents i"
            " WHERE ST_X(s.geom) = r.x AND ST_Y(s.geom) = r.y AND i.id = s.id"
            " AND i.ctid <> s.tid"
        )
    tables.drop(conn)
    # the checks that follow read the moved points
    conn.execute(
        sa.text(
            "UPDATE quality_scope s SET geom = i.geom, country = i.country, tid = i.ctid,"
            " coast_km = i.coast_distance_km, border_km = i.border_distance_km,"
            " quality_flags = i.quality_flags, review_state = i.review_state,"
            " h3_res = i.h3_res FROM incidents i"
            " WHERE s.id = i.id AND i.id = ANY (CAST(:ids AS uuid[]))"
        ),
        {"ids": ids},
    )
    after = conn.execute(
        sa.text("SELECT id, country FROM incidents WHERE id = ANY (CAST(:ids AS uuid[]))"),
        {"ids": ids},
    ).all()
    return {str(r.id): r.country for r in after}
