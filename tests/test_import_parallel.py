"""Large files are read in a child process that writes COPY text itself; nothing may change.

The COPY text made in Python is compared byte for byte with what psycopg's ``write_row`` sends,
the reader's ready lines with its staged lists, and the child process with the in-process loop
(same bytes in the same order, same warnings in the same places, same rejections). A child that
fails or dies fails the import cleanly: the database is as it was and the run says failed.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import multiprocessing
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from psycopg._copy_base import TextFormatter  # what Copy.write_row formats with
from psycopg.adapt import Transformer
from sqlalchemy.engine import Connection

from geo.importers import csvmap, geojson, mmp, run_import, stage
from geo.importers.base import Issues, Parsed
from geo.importers.copytext import line, staged_line
from geo.importers.geocoding import RowGeocoder
from geo.importers.text import open_text, sniff

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SAMPLE_OLD = ROOT / "data" / "sample" / "mmp_export_2014_2017.csv"
SAMPLE_CURRENT = ROOT / "data" / "sample" / "mmp_current_layout_2014.csv"
EXAMPLE = ROOT / "data" / "examples" / "pushbacks_example.csv"
MAPPING = ROOT / "data" / "examples" / "pushbacks_example.toml"
# Every character COPY text escapes, plus text that needs none.
AWKWARD = ("back\\slash", "tab\there", "new\nline", "carriage\rreturn", "\b\v\f", "Darién ✓")
COMPARED = (
    "source_id, incident_type, category, event_date, date_precision, reported_date, dead, "
    "missing, survivors, women, men, children, cause, location_text, region_text, route_text, "
    "ST_AsText(geom) AS geom, h3_cell, h3_res, location_precision, uncertainty_m, "
    "location_source, geocode, origin_countries, origin_region, source_quality, source_name, "
    "source_url, raw, row_hash, quality_flags, review_state"
)


def _psycopg_text(row: list[Any]) -> bytes:
    """What ``Copy.write_row`` sends for the row (its text formatter, without a server)."""
    formatter = TextFormatter(Transformer(None), encoding="utf-8")
    formatter.write_row(row)
    return bytes(formatter.end())


def _awkward_file(tmp_path: Path, copies: int = 1) -> Path:
    """The older sample with awkward text in its cells, identical rows, rows without
    coordinates and rows that are rejected."""
    with SAMPLE_OLD.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)[:400]
    col = {name: i for i, name in enumerate(header)}
    out = []
    for n in range(copies):
        for i, row in enumerate(rows):
            row = list(row)
            row[col["Location Description"]] = f"{row[col['Location Description']]} #{n}"
            if i % 7 == 0:
                row[col["Cause of Death"]] = AWKWARD[i % len(AWKWARD)]
            if i % 11 == 0:
                row[col["Location Description"]] += AWKWARD[(i // 11) % len(AWKWARD)]
            if i % 13 == 0:
                row[col["Location Coordinates"]] = ""
            if i % 17 == 0:
                row[col["Number Dead"]] = "many"  # rejected
            if i % 19 == 0:
                row[col["Number of Survivors"]] = "1,200"  # a warning
            out.append(row)
            if i % 23 == 0:
                out.append(row)  # identical rows stay distinct
    path = tmp_path / "awkward.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(out)
    return path


def _mmp(path: Path, issues: Issues, copy_text: bool) -> Parsed:
    _, encoding = sniff(path)
    return mmp.read(open_text(path, encoding), issues, copy_text=copy_text)


def _mmp_files(tmp_path: Path) -> list[Path]:
    names = ("mmp_bad_rows.csv", "mmp_current_bom.csv", "mmp_latin1.csv", "mmp_mojibake.csv")
    return [SAMPLE_OLD, SAMPLE_CURRENT, _awkward_file(tmp_path)] + [FIXTURES / n for n in names]


def test_copy_text_is_what_psycopg_sends(tmp_path: Path) -> None:
    rows: list[list[Any]] = []
    for path in _mmp_files(tmp_path):
        rows += list(_mmp(path, Issues(), copy_text=False).rows)
    spec = csvmap.load_mapping(MAPPING)
    rows += list(csvmap.read(EXAMPLE, "utf-8", Issues(), spec).rows)
    rows += list(geojson.read(FIXTURES / "points.geojson", "utf-8", Issues()).rows)
    rows.append(
        [*AWKWARD, None, 0, -7, 2**62, 0.1 + 0.2, -0.0, 1e-7, 1e22, 12.0, dt.date(2019, 12, 5)]
    )
    assert len(rows) > 4000
    for row in rows:
        assert line(row).encode() == _psycopg_text(row)


def test_mmp_copy_lines_are_the_staged_rows_as_text(tmp_path: Path) -> None:
    for path in _mmp_files(tmp_path):
        as_lists, as_text = Issues(), Issues()
        lists = list(_mmp(path, as_lists, copy_text=False).rows)
        items = list(_mmp(path, as_text, copy_text=True).rows)
        assert len(items) == len(lists) > 0
        for staged, item in zip(lists, items, strict=True):
            if isinstance(item, str):
                assert item == staged_line(staged)
            else:  # a row without a point stays a list: the runner geocodes it first
                assert item == staged and staged[19] is None
        assert as_text == as_lists


class _Collect:
    """A stand-in for psycopg's Copy: keeps what would be sent, as bytes."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, buffer: bytes | str) -> None:
        self.data += buffer.encode() if isinstance(buffer, str) else buffer

    def write_row(self, row: Any) -> None:
        self.data += _psycopg_text(list(row))


def _stage(path: Path, *, child: bool, text: bool = True) -> tuple[bytes, Issues, str]:
    issues = Issues()
    issues.warn(None, "file", "a warning before the rows", "file warning")
    read = (lambda p, enc, iss: _mmp(p, iss, copy_text=text)) if path.suffix == ".csv" else None
    if read is None:
        read = geojson.read
    target = _Collect()
    rows: stage.Rows | stage.ChildRows
    if child:
        rows = stage.ChildRows(read, path, "utf-8", issues)
    else:
        rows = stage.Rows(read(path, "utf-8", issues))
    with rows:
        rows.copy_to(target, RowGeocoder(None, issues).place)
    return bytes(target.data), issues, rows.layout


@pytest.mark.parametrize("chunk", [1, stage.CHUNK_BYTES])
def test_child_process_stages_the_same_bytes_and_issues(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    # chunk 1: a message per 3 lines, so geocoded rows and warnings cross message boundaries
    monkeypatch.setattr(stage, "CHUNK_BYTES", chunk)
    monkeypatch.setattr(stage, "LINES", 3 if chunk == 1 else stage.LINES)
    for path in (SAMPLE_CURRENT, _awkward_file(tmp_path), FIXTURES / "points.geojson"):
        data, issues, layout = _stage(path, child=True)
        expected = _stage(path, child=False)
        assert (data, issues, layout) == expected
        # the readers' lists instead of their ready lines
        assert (data, issues, layout) == _stage(path, child=False, text=False)
        assert issues.accepted > 0 and any(w["field"] == "location" for w in issues.warnings)
    assert multiprocessing.active_children() == []


def _stored(conn: Connection, source: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        sa.text(f"SELECT {COMPARED} FROM incidents WHERE source = :s ORDER BY source_id"),
        {"s": source},
    ).mappings()
    return [dict(r) for r in rows]


def test_import_through_the_child_stores_what_the_in_process_import_stores(
    conn: Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _awkward_file(tmp_path, copies=3)
    serial = run_import(conn, importer="mmp", path=path, source="t-serial")
    monkeypatch.setattr(stage, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(stage, "CHUNK_BYTES", 10_000)
    child = run_import(conn, importer="mmp", path=path, source="t-child")
    assert serial.status == child.status == "succeeded", child.to_dict()
    assert child.rejected == serial.rejected > 0 and child.inserted == serial.inserted > 1000
    for key in ("layout", "rows_read", "rejections"):
        assert getattr(child, key) == getattr(serial, key), key
    # The reader's and the geocoder's warnings, in order; then the placement checks' (whose
    # order the checks do not fix: two in-process imports differ there too).
    issues = Issues()
    with stage.Rows(_mmp(path, issues, copy_text=False)) as rows:
        rows.copy_to(_Collect(), RowGeocoder(None, issues).place)
    n = len(issues.warnings)
    assert child.warnings[:n] == serial.warnings[:n] == issues.warnings
    assert sorted(map(json.dumps, child.warnings[n:])) == sorted(
        map(json.dumps, serial.warnings[n:])
    )
    assert _stored(conn, "t-child") == _stored(conn, "t-serial")
    assert multiprocessing.active_children() == []


def _reader_that(fails: str, after: int) -> Any:
    """``mmp.read`` whose rows stop after ``after`` rows: raising, or (in a child process
    only) killing the process."""
    real = mmp.read
    parent = os.getpid()

    def read(stream: Any, issues: Issues, **kwargs: Any) -> Parsed:
        parsed = real(stream, issues, **kwargs)

        def rows() -> Iterator[Any]:
            for n, row in enumerate(parsed.rows):
                if n == after:
                    if fails == "dies" and os.getpid() != parent:
                        os._exit(3)
                    raise UnicodeError("synthetic reader failure")
                yield row

        return Parsed(parsed.layout, parsed.raw_keys, rows(), parsed.copy_text)

    return read


def _counts(conn: Connection) -> tuple[Any, ...]:
    return tuple(conn.execute(sa.text("SELECT count(*), max(updated_at) FROM incidents")).one())


def test_a_child_that_dies_mid_file_fails_the_import_and_changes_nothing(
    conn: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _counts(conn)
    monkeypatch.setattr(stage, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(stage, "CHUNK_BYTES", 10_000)
    monkeypatch.setattr(mmp, "read", _reader_that("dies", after=2000))
    report = run_import(conn, importer="mmp", path=SAMPLE_OLD, force=True)
    assert report.status == "failed"
    assert report.error == (
        "ReaderDied: the process reading the file stopped before the end of the file (exit code 3)"
    )
    assert (report.inserted, report.updated) == (0, 0)
    assert _counts(conn) == before
    run = conn.execute(
        sa.text("SELECT status, error, layout FROM import_runs WHERE id = :r"),
        {"r": report.run_id},
    ).one()
    assert run.status == "failed" and "exit code 3" in run.error and run.layout == "mmp-older"
    assert not conn.execute(sa.text("SELECT to_regclass('pg_temp.import_stage')")).scalar()
    assert multiprocessing.active_children() == []


def test_a_failing_reader_fails_the_same_way_in_the_child(
    conn: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mmp, "read", _reader_that("raises", after=1500))
    serial = run_import(conn, importer="mmp", path=SAMPLE_OLD, force=True)
    monkeypatch.setattr(stage, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(stage, "CHUNK_BYTES", 10_000)
    child = run_import(conn, importer="mmp", path=SAMPLE_OLD, force=True)
    assert serial.status == child.status == "failed"
    assert child.error == serial.error == "UnicodeError: synthetic reader failure"
    # the warnings of the rows read before the failure, as the failed run records them
    assert child.warnings == serial.warnings and len(child.warnings) > 100
    bad_header = FIXTURES / "mmp_unknown_header.csv"
    unknown = run_import(conn, importer="mmp", path=bad_header, force=True)
    assert unknown.status == "failed" and unknown.error.startswith("not an MMP export")
    assert multiprocessing.active_children() == []


def test_a_failure_in_the_parent_ends_the_child(
    conn: Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def geocoder(text: str, **hints: Any) -> Any:
        raise LookupError(f"gazetteer unavailable for {json.dumps(text)}")

    before = _counts(conn)
    monkeypatch.setattr(stage, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(stage, "CHUNK_BYTES", 1_000)  # the child is still reading
    path = _awkward_file(tmp_path, copies=5)
    report = run_import(conn, importer="mmp", path=path, source="t-parent", geocoder=geocoder)
    assert report.status == "failed" and report.error.startswith("LookupError: gazetteer")
    assert _counts(conn) == before
    assert multiprocessing.active_children() == []
