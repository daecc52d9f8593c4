"""The placement checks decide most records as groups (text key, region, country, cause, row
tests) without measuring them; measuring every record one by one must give the same result."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.enrich import enrich_incidents
from geo.quality import QualityReport, check_placements
from tests.factories import insert_import_run, insert_incident


def _run(conn: Connection) -> uuid.UUID:
    return insert_import_run(conn, "test-groups")


def _records(conn: Connection) -> tuple[uuid.UUID, dict[str, str]]:
    """One run: whole groups that agree, groups straddling their region's box, at-sea records
    naming a country, a drowning far inland and a record flagged by the importer."""
    run = _run(conn)
    ids: dict[str, str] = {}

    def add(name: str, lon: float, lat: float, **fields: Any) -> None:
        ids[name] = str(
            insert_incident(
                conn, lon=lon, lat=lat, source="test-groups", import_run_id=run, **fields
            )
        )

    for i in range(4):  # in the country the text names: decided as a group
        add(f"libya{i}", 14.0 + i / 10, 31.7, location_text=f"Bani Walid {i}, Libya")
    for i in range(3):  # names nothing, inside North Africa's box: decided as a group
        add(f"inside{i}", 10.0 + i, 33.0, location_text="Sabratha", region_text="North Africa")
    # same text and region, one point just outside the box and one far outside: measured
    add("near", 10.0, 38.5, location_text="Sabratha", region_text="North Africa")
    add("far", 60.0, 20.0, location_text="Sabratha", region_text="North Africa")
    for i in range(2):  # at sea, a country named: measured
        add(f"sea{i}", 12.5, 33.5 + i / 2, location_text="Off Zuwara, Libya", cause="Drowning")
    add("inland", 5.5, 23.0, location_text="Tamanrasset, Algeria", cause="Drowning")
    add(
        "marked",
        14.1,
        31.7,
        location_text="Bani Walid 9, Libya",
        review_state="flagged",
        quality_flags='[{"check": "ambiguous_location"}]',
    )
    enrich_incidents(conn, import_run_id=run)
    return run, ids


def _outcome(report: QualityReport) -> dict[str, Any]:
    return {
        "before": report.agreement_before,
        "after": report.agreement_after,
        "flagged": report.flagged,
        "fixed": report.fixed,
        "warnings": report.warnings,
    }


def test_groups_decided_whole_agree_with_every_record_measured(conn: Connection) -> None:
    run, _ = _records(conn)
    fast = check_placements(conn, import_run_id=run, write=False)
    slow = check_placements(conn, import_run_id=run, write=False, exhaustive=True)
    assert _outcome(fast) == _outcome(slow)
    assert fast.agreement_before["located"] == 13


def test_only_the_records_outside_their_region_or_implausible_are_flagged(
    conn: Connection,
) -> None:
    run, ids = _records(conn)
    report = check_placements(conn, import_run_id=run)
    by_id = {row["id"]: {f["check"] for f in row["flags"]} for row in report.flagged}
    assert by_id == {ids["far"]: {"region_mismatch"}, ids["inland"]: {"drowning_inland"}}
    stats = report.agreement_after
    # the point 0.5 degrees outside the box is within the region tolerance and agrees
    assert (stats["region_only"], stats["region_agree"]) == (5, 4)
    assert stats["named"] == stats["named_agree"] == 8  # Bani Walid x5, Zuwara x2, Tamanrasset
    state = conn.execute(
        sa.text("SELECT review_state, quality_flags FROM incidents WHERE id = :id"),
        {"id": ids["marked"]},
    ).one()
    assert state.review_state == "flagged"  # the importer's flag is kept
    assert state.quality_flags == [{"check": "ambiguous_location"}]
