"""One event counted once across two exports of one source (issue #13, item 1).

IOM's two MMP layouts list the same records differently: the older by day, the current by
month; one body per row at a county point in one and at each body's point in the other; an
incident whole in one and split into a dead row and a missing row in the other; a cumulative
figure of a period dated by when it was compiled. The synthetic records here (labelled
``SYNTHETIC`` in their text, dated 2091) reproduce each shape; the last tests check the real
bundled exports.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.dedupe import dedupe_events
from tests.factories import insert_import_run, insert_incident


def _export(conn: Connection, source: str, name: str) -> uuid.UUID:
    return insert_import_run(conn, source, importer="mmp", file_name=name)


def _links(report: Any) -> dict[frozenset[str], str | None]:
    """Each linked pair (preferred record, member) and how the member joined."""
    return {
        frozenset((g.members[0].id, m.id)): m.link for g in report.groups for m in g.members[1:]
    }


def _interchangeable(conn: Connection, source: str, older: int, current: int) -> list[Any]:
    """One body per row: ``older`` rows by day at the county's point, ``current`` rows by month
    at each body's own point a few km apart — the Pima County shape."""
    run_a = _export(conn, source, "older.csv")
    run_b = _export(conn, source, "current.csv")
    base = {"dead": 1, "cause": "Mixed or unknown", "source": source}
    ids = [
        insert_incident(
            conn, import_run_id=run_a, lon=-111.62, lat=32.06, event_date=date(2091, 3, 3 + 5 * k),
            date_precision="day", location_text="SYNTHETIC County", uncertainty_m=60_000.0,
            **base,
        )
        for k in range(older)
    ]  # fmt: skip
    ids += [
        insert_incident(
            conn, import_run_id=run_b, lon=-111.9 + 0.05 * k, lat=31.8 + 0.03 * k,
            event_date=date(2091, 3, 1), date_precision="month", uncertainty_m=5_000.0,
            location_text="SYNTHETIC medical examiner jurisdiction (see coordinates)", **base,
        )
        for k in range(current)
    ]  # fmt: skip
    return ids


def test_interchangeable_records_of_two_exports_pair_one_to_one(conn: Connection) -> None:
    """4 rows in one export, 5 in the other, none distinguishable: 4 links, 5 events — each
    body counts once, and the links say they are assignments, not matches."""
    _interchangeable(conn, "zz-export", older=4, current=5)
    report = dedupe_events(conn, sources=["zz-export"])
    assert report.records == 9
    assert report.events == 5
    assert report.assigned == 4
    links = _links(report)
    assert len(links) == 4 and set(links.values()) == {"assigned"}
    linked = [m.id for g in report.groups for m in g.members]
    assert len(linked) == len(set(linked)) == 8  # one to one
    for group in report.groups:
        assert {m.origin.split(" | ")[1] for m in group.members} == {"older.csv", "current.csv"}
        assert sorted(group.members[1].block.split(" x ")) == ["4", "5"]
    stored = conn.execute(
        sa.text("SELECT event_link, count(*) FROM incidents WHERE source = 'zz-export' GROUP BY 1")
    ).all()
    assert dict(stored) == {None: 5, "assigned": 4}  # 4 preferred + 1 alone; 4 assigned


def test_interchangeable_records_of_different_sources_are_not_assigned(
    conn: Connection,
) -> None:
    """Another organisation's list need not overlap ours: the same shape across two sources
    links nothing (the ambiguity guard holds)."""
    run_a = _export(conn, "zz-org-a", "a.csv")
    run_b = _export(conn, "zz-org-b", "b.csv")
    for k in range(3):
        insert_incident(
            conn, source="zz-org-a", import_run_id=run_a, lon=-111.62, lat=32.06, dead=1,
            event_date=date(2091, 3, 3 + 5 * k), date_precision="day",
            location_text="SYNTHETIC County", uncertainty_m=60_000.0,
        )  # fmt: skip
        insert_incident(
            conn, source="zz-org-b", import_run_id=run_b, lon=-111.9 + 0.05 * k, lat=31.8,
            dead=1, event_date=date(2091, 3, 1), date_precision="month",
            location_text="SYNTHETIC medical examiner jurisdiction", uncertainty_m=5_000.0,
        )  # fmt: skip
    report = dedupe_events(conn, sources=["zz-org-a", "zz-org-b"])
    assert report.assigned == 0
    assert all(link == "match" for link in _links(report).values())


def test_a_split_incident_takes_its_parts_and_counts_once(conn: Connection) -> None:
    """180 dead and missing recorded whole (29 dead, 151 missing) in one export and as a dead
    row and a missing row 300 km apart in the other: one event of 180, the whole first."""
    run_a = _export(conn, "zz-split", "older.csv")
    run_b = _export(conn, "zz-split", "current.csv")
    whole = insert_incident(
        conn, source="zz-split", import_run_id=run_b, lon=14.2, lat=34.6, dead=29, missing=151,
        incident_type="split", date_precision="month", event_date=date(2091, 7, 1),
        location_text="SYNTHETIC between two coasts", uncertainty_m=300_000.0,
    )  # fmt: skip
    dead_row = insert_incident(
        conn, source="zz-split", import_run_id=run_a, lon=14.2, lat=34.6, dead=29,
        event_date=date(2091, 7, 19), date_precision="day", uncertainty_m=5_000.0,
        location_text="SYNTHETIC between two coasts",
    )  # fmt: skip
    missing_row = insert_incident(
        conn, source="zz-split", import_run_id=run_a, lon=18.0, lat=34.55, missing=151,
        category="disappearance", event_date=date(2091, 7, 19), date_precision="day",
        uncertainty_m=5_000.0,
    )  # fmt: skip
    insert_incident(  # a third row nearby that is no part: 29 + 151 is already the whole
        conn, source="zz-split", import_run_id=run_a, lon=15.0, lat=34.6, dead=7,
        event_date=date(2091, 7, 20), date_precision="day", uncertainty_m=5_000.0,
    )  # fmt: skip
    report = dedupe_events(conn, sources=["zz-split"])
    assert report.splits == 1
    (group,) = report.groups
    assert [m.id for m in group.members][0] == str(whole)
    assert {m.id for m in group.members[1:]} == {str(dead_row), str(missing_row)}
    assert {m.link for m in group.members[1:]} == {"part"}
    public_total = conn.execute(
        sa.text(
            "SELECT sum(i.dead_and_missing) FROM incidents AS i "
            "WHERE i.source = 'zz-split' AND /*include*/ true".replace(
                "/*include*/ true", _public_event()
            )
        )
    ).scalar_one()
    assert public_total == 180 + 7


def test_a_split_record_whose_parts_do_not_add_up_stays_alone(conn: Connection) -> None:
    run_a = _export(conn, "zz-split2", "older.csv")
    run_b = _export(conn, "zz-split2", "current.csv")
    insert_incident(
        conn, source="zz-split2", import_run_id=run_b, lon=14.2, lat=34.6, dead=29,
        missing=151, incident_type="split", date_precision="month",
        event_date=date(2091, 7, 1), uncertainty_m=300_000.0,
    )  # fmt: skip
    for dead in (29, 100):  # 129, not 180; and 100 is too far from 180 to match it alone
        insert_incident(
            conn, source="zz-split2", import_run_id=run_a, lon=14.3, lat=34.6, dead=dead,
            event_date=date(2091, 7, 19), date_precision="day", uncertainty_m=5_000.0,
        )  # fmt: skip
    report = dedupe_events(conn, sources=["zz-split2"])
    assert report.splits == 0 and report.groups == []


def test_a_cumulative_figure_matches_within_its_year(conn: Connection) -> None:
    """A cumulative figure compiled in October is listed in the other export on 5 December:
    the same 41 deaths at the same point and text, 35 days apart, one event."""
    run_a = _export(conn, "zz-cumul", "older.csv")
    run_b = _export(conn, "zz-cumul", "current.csv")
    base = {"source": "zz-cumul", "lon": -102.55, "lat": 23.63, "dead": 41,
            "location_text": "SYNTHETIC various locations", "uncertainty_m": 5_000.0}  # fmt: skip
    cumulative = insert_incident(
        conn, import_run_id=run_b, incident_type="cumulative", date_precision="month",
        event_date=date(2091, 10, 1), **base,
    )  # fmt: skip
    listed = insert_incident(
        conn, import_run_id=run_a, date_precision="day", event_date=date(2091, 12, 5), **base
    )
    report = dedupe_events(conn, sources=["zz-cumul"])
    assert {frozenset(g) for g in ({m.id for m in g.members} for g in report.groups)} == {
        frozenset((str(cumulative), str(listed)))
    }


def _public_event() -> str:
    from geo.db import load_sql

    return load_sql("geo", "public_event.sql")


# The real bundled exports ---------------------------------------------------------------


def _year_total(conn: Connection, year: int, file_name: str | None = None) -> tuple[int, int]:
    """Events and dead+missing of a year: public events, or one file's records."""
    if file_name is None:
        where = _public_event()
        join = ""
    else:
        where = "r.file_name = :file"
        join = "JOIN import_runs AS r ON r.id = i.import_run_id"
    row = conn.execute(
        sa.text(
            f"SELECT count(*), coalesce(sum(i.dead_and_missing), 0) FROM incidents AS i {join} "
            f"WHERE i.event_date BETWEEN :first AND :last AND {where}"
        ),
        {"first": date(year, 1, 1), "last": date(year, 12, 31), "file": file_name},
    ).one()
    return int(row[0]), int(row[1])


def test_2014_dead_and_missing_is_within_two_percent_of_the_larger_export(
    conn: Connection,
) -> None:
    """Both exports list 2014 (older: 254 rows, current: 296); counted once, the year's dead
    and missing lie within 2 % of the larger export's total, not near their sum."""
    _, older = _year_total(conn, 2014, "mmp_export_2014_2017.csv")
    _, current = _year_total(conn, 2014, "mmp_current_layout_2014.csv")
    _, served = _year_total(conn, 2014)
    larger = max(older, current)
    assert older > 5000 and current > 5000
    assert abs(served - larger) <= 0.02 * larger, (served, older, current)


@pytest.mark.parametrize("link", ["match", "assigned", "part"])
def test_each_kind_of_link_occurs_in_the_real_exports_and_is_explained(
    conn: Connection, link: str
) -> None:
    """``crossings dedupe --report`` explains every link: a score, an assignment within a
    block, or a part of a split incident."""
    report = dedupe_events(conn, sources=["iom-mmp"], write=False)
    members = [m for g in report.groups for m in g.members[1:] if m.link == link]
    assert members
    text = report.summary(groups=True)
    words = {"match": "score", "assigned": "assigned", "part": "part of the split incident"}
    assert words[link] in text
