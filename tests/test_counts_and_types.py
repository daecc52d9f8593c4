"""Issue #13 items 5, 4a and 7a on the bundled MMP sample: unknown breakdowns stay unknown,
incident_type stored normalised, served and filtered, review_state filtered."""

from __future__ import annotations

import csv
import importlib.util
import json
from collections import Counter
from pathlib import Path
from types import ModuleType

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.importers import run_import
from geo.importers.text import sniff
from tests.expected import public_events
from tests.factories import FUTURE, insert_incident

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CURRENT = ROOT / "data" / "sample" / "mmp_current_layout_2014.csv"
MIGRATION = ROOT / "geo" / "migrations" / "versions" / "0020_unknown_counts_incident_type.py"
MMP_TYPES = {"Incident": "incident", "Cumulative Incident": "cumulative", "Split Incident": "split"}
BREAKDOWN = ("Number of Females", "Number of Males", "Number of Children")
ZERO_BREAKDOWN = "women/men/children: all-zero breakdown stored as unknown"


def _current_rows() -> list[tuple[int, dict[str, str]]]:
    """(line, record) of the current-layout sample, read with csv, not the importer."""
    with SAMPLE_CURRENT.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        out, last = [], 1
        for record in reader:
            out.append((last + 1, record))
            last = reader.line_num
    return out


def _zero_breakdown_lines() -> set[int]:
    return {
        line
        for line, r in _current_rows()
        if all(r[c].strip() == "0" for c in BREAKDOWN)
        and int(r["Total Number of Dead and Missing"]) > 0
    }


def test_all_zero_breakdown_beside_the_dead_is_stored_as_unknown(conn: Connection) -> None:
    expected = _zero_breakdown_lines()
    assert len(expected) > 50  # the sample's current layout writes 0 for unknown
    stored = conn.execute(
        sa.text(
            "SELECT count(*) FILTER (WHERE women IS NULL AND men IS NULL AND children IS NULL),"
            " count(*) FROM incidents"
            " WHERE source = 'iom-mmp' AND raw ? 'Incident Type'"
            "   AND raw ->> 'Number of Females' = '0' AND raw ->> 'Number of Males' = '0'"
            "   AND raw ->> 'Number of Children' = '0' AND dead_and_missing > 0"
        )
    ).one()
    assert stored == (len(expected), len(expected))
    anywhere = conn.execute(
        sa.text(
            "SELECT count(*) FROM incidents"
            " WHERE women = 0 AND men = 0 AND children = 0 AND dead_and_missing > 0"
        )
    ).scalar_one()
    assert anywhere == 0
    # a breakdown with a known part keeps its zeros
    kept = conn.execute(
        sa.text("SELECT count(*) FROM incidents WHERE women = 0 AND men > 0 AND children = 0")
    ).scalar_one()
    assert kept > 0


def test_the_import_report_names_each_unknown_breakdown_once_under_one_kind(
    conn: Connection,
) -> None:
    checksum, _ = sniff(SAMPLE_CURRENT)
    warnings = conn.execute(
        sa.text(
            "SELECT warnings FROM import_runs WHERE checksum = :c AND status = 'succeeded'"
            " ORDER BY finished_at LIMIT 1"
        ),
        {"c": checksum},
    ).scalar_one()
    zero = [w for w in warnings if w["kind"] == "all-zero breakdown stored as unknown"]
    assert {w["row"] for w in zero} == _zero_breakdown_lines()
    assert len(zero) == len(_zero_breakdown_lines())


@pytest.mark.anyio
async def test_no_event_is_served_with_zeros_beside_its_dead(client: httpx.AsyncClient) -> None:
    body = (await client.get("/incidents", params={"limit": "10000"})).json()
    assert body["numberReturned"] == body["numberMatched"] > 3000
    served = [f["properties"] for f in body["features"]]
    assert not [
        p for p in served if (p["women"], p["men"], p["children"]) == (0, 0, 0)
        and p["dead_and_missing"] > 0
    ]  # fmt: skip
    assert sum(1 for p in served if p["women"] is None and p["dead_and_missing"] > 0) > 50


def test_geojson_import_applies_the_same_rules(conn: Connection, tmp_path: Path) -> None:
    def feature(**props: object) -> dict[str, object]:
        return {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [15.5, 45.1]},
            "properties": {"event_date": "2020-01-02", "category": "death", **props},
        }

    features = [
        feature(dead=3, women=0, men=0, children=0, incident_type="Cumulative Incident"),
        feature(dead=2, women=0, men=2, children=0, incident_type="split"),
        feature(dead=0, missing=0, women=0, men=0, children=0, incident_type="Incident"),
        feature(dead=1, women=0, men=0, children=0, incident_type="a guess"),
    ]
    path = tmp_path / "rules.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    report = run_import(conn, importer="geojson", path=path, source="test-rules")
    assert report.status == "succeeded", report.error
    rows = conn.execute(
        sa.text(
            "SELECT incident_type, women, men, children FROM incidents"
            " WHERE source = 'test-rules' ORDER BY (raw ->> 'dead')::int DESC, incident_type"
        )
    ).all()
    assert sorted(rows, key=str) == sorted(
        [
            ("cumulative", None, None, None),
            ("split", 0, 2, 0),
            ("incident", 0, 0, 0),  # nobody died: zeros say nothing is unknown
            (None, None, None, None),
        ],
        key=str,
    )
    kinds = Counter(f"{w['field']}: {w['kind']}" for w in report.warnings)
    assert kinds[ZERO_BREAKDOWN] == 2
    assert kinds["incident_type: unknown incident type left empty"] == 1


def test_incident_type_is_stored_normalised(conn: Connection) -> None:
    expected = Counter(MMP_TYPES[r["Incident Type"].strip()] for _, r in _current_rows())
    stored = dict(
        conn.execute(
            sa.text(
                "SELECT incident_type, count(*) FROM incidents"
                " WHERE source = 'iom-mmp' AND raw ? 'Incident Type' GROUP BY 1"
            )
        ).all()
    )
    assert stored == dict(expected)
    assert set(expected) == {"incident", "cumulative", "split"}
    older = conn.execute(
        sa.text(
            "SELECT count(*) FROM incidents WHERE source = 'iom-mmp'"
            " AND NOT raw ? 'Incident Type' AND incident_type IS NOT NULL"
        )
    ).scalar_one()
    assert older == 0  # the older layout does not say


def _migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("migration_0020", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_migration_0020_rewrites_rows_stored_before_it(conn: Connection) -> None:
    migration = _migration()
    conn.execute(
        sa.text("ALTER TABLE incidents DROP CONSTRAINT incidents_incident_type_check")
    )  # as before 0020: rows as the importers used to store them
    made = {
        "zeros": insert_incident(conn, dead=4, women=0, men=0, children=0,
                                 incident_type="Cumulative Incident"),
        "known": insert_incident(conn, dead=4, women=0, men=3, children=0,
                                 incident_type="Split Incident"),
        "nobody": insert_incident(conn, dead=0, missing=0, women=0, men=0, children=0,
                                  incident_type="Incident"),
        "other": insert_incident(conn, missing=2, women=0, men=0, children=0,
                                 incident_type="something else"),
    }  # fmt: skip
    conn.exec_driver_sql(migration.FIX_ROWS)
    conn.exec_driver_sql(migration.CONSTRAINT)  # every row now passes the check
    got = {
        name: tuple(
            conn.execute(
                sa.text("SELECT incident_type, women, men, children FROM incidents WHERE id = :i"),
                {"i": ident},
            ).one()
        )
        for name, ident in made.items()
    }
    assert got == {
        "zeros": ("cumulative", None, None, None),
        "known": ("split", 0, 3, 0),
        "nobody": ("incident", 0, 0, 0),
        "other": (None, None, None, None),
    }


@pytest.mark.anyio
async def test_incident_type_is_served_and_filters_like_category(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    events = Counter(r.incident_type for r in public_events(conn, "incident_type"))
    for kind in ("incident", "cumulative", "split"):
        body = await client.get("/incidents", params={"incident_type": kind, "limit": "10000"})
        page = body.json()
        assert page["numberMatched"] == events[kind] > 0, kind
        assert {f["properties"]["incident_type"] for f in page["features"]} == {kind}
    both = (await client.get("/incidents?incident_type=cumulative,SPLIT&limit=1")).json()
    assert both["numberMatched"] == events["cumulative"] + events["split"]
    bad = await client.get("/incidents?incident_type=single")
    assert bad.status_code == 400 and bad.json()["parameter"] == "incident_type"


@pytest.mark.anyio
async def test_review_state_filters_and_rejected_is_refused_with_the_reason(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    """Issue #13 (7a): ?review_state= was a 400."""
    events = Counter(r.review_state for r in public_events(conn, "review_state"))
    assert events["flagged"] > 0 and events["unreviewed"] > 0
    for state in ("unreviewed", "verified", "flagged"):
        page = await client.get("/incidents", params={"review_state": state, "limit": "10000"})
        body = page.json()
        assert body["numberMatched"] == events[state], state
        assert {f["properties"]["review_state"] for f in body["features"]} <= {state}
    both = (await client.get("/incidents?review_state=flagged,verified&limit=1")).json()
    assert both["numberMatched"] == events["flagged"] + events["verified"]
    rejected = await client.get("/incidents?review_state=flagged,rejected")
    assert rejected.status_code == 400
    assert "never public" in rejected.json()["detail"]
    assert rejected.json()["parameter"] == "review_state"


@pytest.mark.anyio
async def test_review_state_and_incident_type_reach_every_incident_endpoint(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    for kind in ("cumulative", "incident"):
        insert_incident(conn, dead=1, incident_type=kind, review_state="verified", country="GRC")
    query = {"datetime": FUTURE, "incident_type": "cumulative", "review_state": "verified"}
    page = (await client.get("/incidents", params=query)).json()
    assert page["numberMatched"] == 1
    countries = (await client.get("/countries", params=query)).json()["countries"]
    assert sum(c["totals"]["incidents"] for c in countries) == 1
