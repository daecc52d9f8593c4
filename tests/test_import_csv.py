"""Mapped CSV imports (the synthetic NGO pushback example) and mapping errors, on PostGIS."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.importers import run_import, runner

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "data" / "examples" / "pushbacks_example.csv"
MAPPING = ROOT / "data" / "examples" / "pushbacks_example.toml"


def test_example_pushback_log_imports_with_rejections(conn: Connection) -> None:
    report = run_import(conn, importer="csv", path=EXAMPLE, mapping=MAPPING)
    assert report.status == "succeeded", report.to_dict()
    assert report.source == "example-pushback-log"
    assert report.inserted == 6 and report.rejected == 2
    reasons = {r["row"]: r["reason"] for r in report.rejections}
    assert "negative" in reasons[8] and "31/02/2021" in reasons[9]
    rows = {
        r["source_id"]: r
        for r in conn.execute(
            sa.text(
                "SELECT source_id, category, pushed_back, children, pushed_from, pushed_to, "
                "violence_types, origin_countries, source_name, event_date, "
                "ST_X(geom) AS lon, ST_Y(geom) AS lat, h3_cell "
                "FROM incidents WHERE source = 'example-pushback-log'"
            )
        ).mappings()
    }
    assert set(rows) == {"EX-0001", "EX-0002", "EX-0003", "EX-0004", "EX-0005", "EX-0006"}
    first = rows["EX-0001"]
    assert (first["category"], first["pushed_back"], first["children"]) == ("pushback", 12, 2)
    assert (first["pushed_from"], first["pushed_to"]) == ("HRV", "BIH")
    assert first["violence_types"] == ["beating", "theft of phones"]
    assert first["origin_countries"] == ["Afghanistan", "Pakistan"]
    assert str(first["event_date"]) == "2021-05-03"
    assert first["source_name"] == "Example Border Monitoring Network (synthetic)"
    assert rows["EX-0003"]["category"] == "pushback"  # empty cell → [constants] default
    assert rows["EX-0004"]["category"] == "violence"
    assert round(rows["EX-0005"]["lat"], 4) == 45.475  # 45°28'30"N
    assert rows["EX-0006"]["lon"] is None and rows["EX-0006"]["h3_cell"] is None


@pytest.mark.parametrize("bulk", [False, True], ids=["merge", "bulk-merge"])
def test_changed_row_is_updated_and_the_rest_unchanged(
    conn: Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bulk: bool
) -> None:
    if bulk:  # take the large-file path (indexes dropped and rebuilt) on a small file
        monkeypatch.setattr(runner, "BULK_MIN_ROWS", 1)
        monkeypatch.setattr(runner, "BULK_SHARE", 0.0)
    indexes = "SELECT count(*) FROM pg_indexes WHERE tablename = 'incidents'"
    n_indexes = conn.execute(sa.text(indexes)).scalar_one()
    keys = (
        "SELECT count(*) FROM pg_constraint"
        " WHERE conrelid = 'incidents'::regclass AND contype = 'f'"
    )
    n_keys = conn.execute(sa.text(keys)).scalar_one()
    assert n_keys == 3
    first = run_import(conn, importer="csv", path=EXAMPLE, mapping=MAPPING)
    assert first.inserted == 6
    edited = tmp_path / "edited.csv"
    edited.write_text(
        EXAMPLE.read_text(encoding="utf-8").replace(
            "EX-0002,07/05/2021,pushback,5,", "EX-0002,07/05/2021,pushback,7,"
        ),
        encoding="utf-8",
    )
    second = run_import(conn, importer="csv", path=edited, mapping=MAPPING)
    assert (second.inserted, second.updated, second.unchanged) == (0, 1, 5)
    size = conn.execute(
        sa.text(
            "SELECT pushed_back, import_run_id FROM incidents "
            "WHERE source = 'example-pushback-log' AND source_id = 'EX-0002'"
        )
    ).one()
    assert size.pushed_back == 7 and size.import_run_id == second.run_id
    assert ("reindex" in second.timings) is bulk
    assert conn.execute(sa.text(indexes)).scalar_one() == n_indexes
    assert conn.execute(sa.text(keys)).scalar_one() == n_keys  # foreign keys added back
    again = run_import(conn, importer="csv", path=edited, mapping=MAPPING, force=True)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 6)


def test_bulk_load_of_a_new_source_keeps_ids_other_sources_use(
    conn: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new source's bulk load inserts without looking at the keys stored: its ids may be
    another source's too, and both sources keep their records."""
    monkeypatch.setattr(runner, "BULK_MIN_ROWS", 1)
    monkeypatch.setattr(runner, "BULK_SHARE", 0.0)
    first = run_import(conn, importer="csv", path=EXAMPLE, mapping=MAPPING)
    other = run_import(conn, importer="csv", path=EXAMPLE, mapping=MAPPING, source="other-log")
    assert (first.inserted, other.inserted, other.updated) == (6, 6, 0), other.to_dict()
    counts = dict(
        conn.execute(
            sa.text(
                "SELECT source, count(DISTINCT source_id) FROM incidents"
                " WHERE source IN ('example-pushback-log', 'other-log') GROUP BY source"
            )
        ).all()
    )
    assert counts == {"example-pushback-log": 6, "other-log": 6}
    again = run_import(conn, importer="csv", path=EXAMPLE, mapping=MAPPING, source="other-log")
    # now a stored source: the bulk load looks its keys up again, and adds nothing
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 6), again.to_dict()


def test_mapping_with_unknown_field_fails_clearly(conn: Connection, tmp_path: Path) -> None:
    mapping = tmp_path / "bad.toml"
    mapping.write_text(
        'source = "ngo-log"\n[columns]\nevent_date = "Date"\ndeaths = "Dead"\n'
        '[constants]\ncategory = "death"\n'
    )
    report = run_import(conn, importer="csv", path=EXAMPLE, mapping=mapping)
    assert report.status == "failed"
    assert report.error and "unknown field(s) in [columns]: deaths" in report.error


def test_mapping_naming_a_column_the_file_lacks_fails_clearly(
    conn: Connection, tmp_path: Path
) -> None:
    mapping = tmp_path / "bad.toml"
    mapping.write_text(
        'source = "ngo-log"\n[columns]\nevent_date = "Date"\npushed_back = "Persons"\n'
        '[constants]\ncategory = "pushback"\n'
    )
    before = conn.execute(sa.text("SELECT count(*) FROM incidents")).scalar_one()
    report = run_import(conn, importer="csv", path=EXAMPLE, mapping=mapping)
    assert report.status == "failed"
    assert report.error and "no column 'Persons' (for pushed_back)" in report.error
    assert "'Group size'" in report.error  # lists the columns the file does have
    assert conn.execute(sa.text("SELECT count(*) FROM incidents")).scalar_one() == before


def test_unreadable_toml_fails_clearly(conn: Connection, tmp_path: Path) -> None:
    mapping = tmp_path / "broken.toml"
    mapping.write_text("source = \n")
    report = run_import(conn, importer="csv", path=EXAMPLE, mapping=mapping)
    assert report.status == "failed" and report.error and "cannot read TOML" in report.error


def test_same_file_with_a_changed_mapping_is_not_skipped(conn: Connection, tmp_path: Path) -> None:
    first = run_import(conn, importer="csv", path=EXAMPLE, mapping=MAPPING)
    assert first.inserted == 6
    again = run_import(conn, importer="csv", path=EXAMPLE, mapping=MAPPING)
    assert again.skipped_reason and again.unchanged == 6
    changed = tmp_path / "changed.toml"
    changed.write_text(
        MAPPING.read_text(encoding="utf-8").replace("(synthetic)", "(synthetic, renamed)"),
        encoding="utf-8",
    )
    rerun = run_import(conn, importer="csv", path=EXAMPLE, mapping=changed)
    assert rerun.skipped_reason is None
    assert (rerun.inserted, rerun.updated) == (0, 6)
