"""Placement checks on imported rows: a swap fixed and re-enriched must not cost the flags of
other records at the same point (re-enrichment rewrites them all)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

import geo.quality
from geo.importers import run_import
from geo.quality import check_placements

HEADER = [
    "Main ID", "Incident Type", "Incident year", "Reported Month", "Region of Origin",
    "Region of Incident", "Country of Origin", "Number of Dead",
    "Minimum Estimated Number of Missing", "Total Number of Dead and Missing",
    "Number of Survivors", "Number of Females", "Number of Males", "Number of Children",
    "Cause of Death", "Migration route", "Location of death", "Information Source",
    "Coordinates", "UNSD Geographical Grouping",
]  # fmt: skip


def _export(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for main_id, cause, location, coords in rows:
            out.writerow(
                [main_id, "Incident", "2017", "March", "Unknown", "North Africa", "Unknown",
                 "1", "0", "1", "0", "0", "1", "0", cause, "Central Mediterranean", location,
                 f"Test fixture source ({main_id})", coords, "Northern Africa"]
            )  # fmt: skip
    return path


def _stored(conn: Connection, source: str) -> dict[str, tuple[Any, ...]]:
    rows = conn.execute(
        sa.text(
            "SELECT source_id, quality_flags, review_state, ST_AsText(geom), country, h3_cell,"
            " coast_distance_km, updated_at FROM incidents WHERE source = :source"
        ),
        {"source": source},
    ).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def _import(conn: Connection, path: Path, source: str) -> Any:
    report = run_import(conn, importer="mmp", path=path, source=source)
    assert report.status == "succeeded", report.error
    return report


def test_the_full_pass_writes_the_flags_of_records_beside_a_fixed_point(
    conn: Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-enriching a fixed point rewrites every record at that point; the flags of those
    records are still written (they are addressed again)."""
    source = "test-full-pass-beside"
    with monkeypatch.context() as m:
        m.setattr(geo.quality, "check_import", lambda *a, **k: 0.0)
        report = _import(
            conn,
            _export(
                tmp_path / "beside.csv",
                [
                    ("b1", "Sickness", "Bani Walid, Libya", "14.05, 31.80"),  # swapped
                    ("b2", "Sickness", "Agadez, Niger", "31.80, 14.05"),  # at the fix's point
                ],
            ),
            source,
        )
    result = check_placements(conn, import_run_id=report.run_id)
    stored = _stored(conn, source)
    assert len(result.fixed) == 1
    assert {f["check"] for f in stored["b1"][0]} == {"swapped_coordinates"}
    assert [f["check"] for f in stored["b2"][0]] == ["country_mismatch"]
    assert stored["b2"][1] == "flagged"
