"""A large MMP file read in two halves by two child processes stages what one reader stages.

Each file is read both ways and compared byte for byte (the COPY stream), with the same warnings
in the same places, the same rejections in the same order and the same accepted count: quoted
newlines around the middle, identical rows and duplicate ids in both halves, BOM, Windows-1252,
CRLF and LF. A half that fails, dies, or a parent that fails, fails the import as one reader does.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.importers import mmp, run_import, split, stage
from geo.importers.base import Issues, Parsed
from geo.importers.geocoding import RowGeocoder
from geo.importers.text import open_text, sniff

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_OLD = ROOT / "data" / "sample" / "mmp_export_2014_2017.csv"
SAMPLE_CURRENT = ROOT / "data" / "sample" / "mmp_current_layout_2014.csv"
ID = "Incident ID"


@pytest.fixture(autouse=True)
def _split_small_files(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(stage, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(stage, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(stage, "CHUNK_BYTES", 20_000)  # many messages per half
    monkeypatch.setattr(split, "FIRST_SHARE", 0.5)  # halves, as the files below are built
    yield
    assert multiprocessing.active_children() == []


def _sample(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, list(reader)


def _write(
    path: Path,
    header: list[str],
    rows: list[list[str]],
    *,
    encoding: str = "utf-8",
    newline: str = "\r\n",
) -> Path:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(text.getvalue().encode(encoding))
    return path


def _older(n: int = 1200) -> tuple[list[str], list[list[str]]]:
    """Older-layout rows with warnings, rejections, rows without coordinates and awkward text."""
    header, rows = _sample(SAMPLE_OLD)
    col = {name: i for i, name in enumerate(header)}
    out = []
    for i, row in enumerate(rows[:n]):
        row = list(row)
        if i % 7 == 0:
            row[col["Cause of Death"]] = 'tab\there, back\\slash, quote "q" and\r\nCRLF'
        if i % 13 == 0:
            row[col["Location Coordinates"]] = ""
        if i % 17 == 0:
            row[col["Number Dead"]] = "many"  # rejected
        if i % 19 == 0:
            row[col["Number of Survivors"]] = "1,200"  # a warning
        out.append(row)
    return header, out


def _staged(path: Path, *, halves: bool) -> tuple[bytes, Issues, str]:
    """The COPY bytes, issues and layout of one file: in-process, or read in two halves."""
    _, encoding = sniff(path)
    issues = Issues()
    issues.warn(None, "file", "a warning before the rows", "file warning")
    data = bytearray()

    class Target:
        def write(self, buffer: bytes | str) -> None:
            data.extend(buffer.encode() if isinstance(buffer, str) else buffer)

    rows: stage.Rows | stage.ChildRows | stage.SplitRows
    if halves:
        rows = stage.open_rows(
            lambda p, enc, iss: mmp.read(open_text(p, enc), iss, copy_text=True),
            path,
            encoding,
            issues,
            parallel=True,
            read_part=mmp.read_part,
        )
        assert isinstance(rows, stage.SplitRows)
    else:
        rows = stage.Rows(mmp.read(open_text(path, encoding), issues, copy_text=True))
    with rows:
        rows.copy_to(Target(), RowGeocoder(None, issues).place)
    return bytes(data), issues, rows.layout


def _same_both_ways(path: Path) -> tuple[bytes, Issues]:
    data, issues, layout = _staged(path, halves=True)
    assert (data, issues, layout) == _staged(path, halves=False)
    assert issues.accepted > 0 and len(data.splitlines()) == issues.accepted
    return data, issues


def _parity_at(data: bytes, newline: int) -> int:
    return data.count(b'"', 0, newline) % 2


def test_quoted_newlines_around_the_middle(tmp_path: Path) -> None:
    header, rows = _older()
    col = header.index("Location Description")
    for i, row in enumerate(rows):
        row[col] = f"{row[col]}\nsecond line\r\nthird line {i}\rfourth"
    # a record with quoted line breaks covers the middle: the first newline after it is quoted
    for pad in range(200):
        rows[0][col] += "x" * pad
        path = _write(tmp_path / "quoted.csv", header, rows)
        data = path.read_bytes()
        if _parity_at(data, data.index(b"\n", len(data) // 2)):
            break
    at = split.find_split(path)
    assert at is not None and at.offset > data.index(b"\n", len(data) // 2) + 1
    assert _parity_at(data, at.offset - 1) == 0
    _, issues = _same_both_ways(path)
    assert issues.rejections and any(w["field"] == "location" for w in issues.warnings)


@pytest.mark.parametrize(
    ("encoding", "newline", "bom"),
    [("utf-8", "\r\n", False), ("utf-8", "\n", True), ("cp1252", "\r\n", False)],
)
def test_encodings_and_line_ends(tmp_path: Path, encoding: str, newline: str, bom: bool) -> None:
    header, rows = _older()
    col = header.index("Location Description")
    for i, row in enumerate(rows):
        row[col] += f" Darién € {i}" if i % 3 else " DariÃ©n"  # accents, mojibake
    path = _write(tmp_path / "text.csv", header, rows, encoding=encoding, newline=newline)
    if bom:
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    expected = {"cp1252": "windows-1252", "utf-8": "utf-8-sig" if bom else "utf-8"}[encoding]
    assert sniff(path)[1] == expected
    _, issues = _same_both_ways(path)
    assert any(w["kind"] == "mojibake repaired" for w in issues.warnings)


def test_identical_rows_in_both_halves_are_numbered_over_the_whole_file(tmp_path: Path) -> None:
    header, rows = _older(600)
    rows = rows + rows[::2] + rows + [rows[5]] * 3  # each half has copies of the other's rows
    path = _write(tmp_path / "identical.csv", header, rows)
    data, _ = _same_both_ways(path)
    keys = [line.split(b"\t")[1] for line in data.splitlines()]
    assert len(set(keys)) == len(keys) and any(k.endswith(b"-4") for k in keys)


def test_duplicate_ids_across_halves_are_rejected_as_in_one_pass(tmp_path: Path) -> None:
    header, rows = _sample(SAMPLE_CURRENT)
    header = [*header, ID]
    rows = [[*row, f"id-{i}"] for i, row in enumerate(rows)]
    # ids of the first half again in the second, some twice; ids only in the second, twice
    again = [[*row[:-1], f"id-{i}"] for i, row in enumerate(rows[:150])]
    fresh = [[*row[:-1], f"new-{i}"] for i, row in enumerate(rows[:40])]
    rows = rows + again + again[::3] + fresh + fresh[::2] + [[*rows[0][:-1], ""]] * 3
    path = _write(tmp_path / "ids.csv", header, rows)
    at = split.find_split(path)
    assert at is not None and at.lines < len(rows) - len(again)  # the repeats are all after
    _, issues = _same_both_ways(path)
    duplicates = [r for r in issues.rejections if r["kind"] == f"duplicate {ID}"]
    assert len(duplicates) == len(again) + len(again[::3]) + len(fresh[::2])
    assert duplicates[0]["reason"] == f"duplicate {ID} 'id-0' (first at row 2)"


def test_no_safe_split_reads_the_file_in_one_child(tmp_path: Path) -> None:
    header, rows = _older(400)
    # a stray quote inside an unquoted field: quote parity no longer says where records end
    rows[10][header.index("Location Description")] = 'a 5" pipe'
    stray = _write(tmp_path / "stray.csv", header, rows, newline="\n")
    text = stray.read_text().replace('"a 5"" pipe"', 'a 5" pipe')
    stray.write_text(text)
    assert split.find_split(stray) is None
    rows[0][header.index("Location Description")] += "x" * 1000  # the middle is in the row
    tiny = _write(tmp_path / "tiny.csv", header, rows[:1], newline="\n")
    tiny.write_bytes(tiny.read_bytes().rstrip(b"\n"))
    assert split.find_split(tiny) is None
    for path in (stray, tiny):
        issues = Issues()
        with stage.open_rows(
            lambda p, enc, iss: mmp.read(open_text(p, enc), iss, copy_text=True),
            path,
            "utf-8",
            issues,
            parallel=True,
            read_part=mmp.read_part,
        ) as rows_:
            assert isinstance(rows_, stage.ChildRows)


def _failing_read(fails: str, at_row: int) -> Callable[..., Parsed]:
    """``mmp.read`` that fails at the first staged row from file row ``at_row``: raising, or
    (in a child process only) killing the process."""
    real = mmp.read
    parent = os.getpid()

    def read(stream: Any, issues: Issues, **kwargs: Any) -> Parsed:
        parsed = real(stream, issues, **kwargs)

        def rows() -> Iterator[Any]:
            for row in parsed.rows:
                number = int(row[: row.index("\t")]) if isinstance(row, str) else row[0]
                if number >= at_row:
                    if fails == "dies" and os.getpid() != parent:
                        os._exit(3)
                    raise UnicodeError(f"synthetic reader failure at row {number}")
                yield row

        return Parsed(parsed.layout, parsed.raw_keys, rows(), parsed.copy_text)

    return read


def _counts(conn: Connection) -> tuple[Any, ...]:
    return tuple(conn.execute(sa.text("SELECT count(*), max(updated_at) FROM incidents")).one())


@pytest.mark.parametrize("half", ["first", "second"])
def test_a_failing_half_fails_as_one_reader_does(
    conn: Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, half: str
) -> None:
    header, rows = _older()
    path = _write(tmp_path / "fails.csv", header, rows)
    at = split.find_split(path)
    assert at is not None
    row = at.lines // 2 if half == "first" else at.lines + (len(rows) - at.lines) // 2
    monkeypatch.setattr(mmp, "read", _failing_read("raises", row))
    split_run = run_import(conn, importer="mmp", path=path, force=True)
    monkeypatch.setattr(stage, "PARALLEL_MIN_BYTES", 1 << 40)
    monkeypatch.setattr(stage, "SPLIT_MIN_BYTES", 1 << 40)
    serial = run_import(conn, importer="mmp", path=path, force=True)
    assert split_run.status == serial.status == "failed"
    assert split_run.error == serial.error and serial.error.startswith("UnicodeError: synth")
    assert split_run.warnings == serial.warnings and len(serial.warnings) > 20


@pytest.mark.parametrize("half", ["first", "second"])
def test_a_half_that_dies_fails_the_import_and_changes_nothing(
    conn: Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, half: str
) -> None:
    before = _counts(conn)
    header, rows = _older()
    path = _write(tmp_path / "dies.csv", header, rows)
    at = split.find_split(path)
    assert at is not None
    row = at.lines // 2 if half == "first" else at.lines + 10
    monkeypatch.setattr(mmp, "read", _failing_read("dies", row))
    report = run_import(conn, importer="mmp", path=path, force=True)
    assert report.status == "failed"
    assert report.error == (
        "ReaderDied: the process reading the file stopped before the end of the file (exit code 3)"
    )
    assert _counts(conn) == before
    assert not conn.execute(sa.text("SELECT to_regclass('pg_temp.import_stage')")).scalar()


def test_a_failure_in_the_parent_ends_both_children(
    conn: Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def geocoder(text: str, **hints: Any) -> Any:
        raise LookupError("gazetteer unavailable")

    before = _counts(conn)
    monkeypatch.setattr(stage, "CHUNK_BYTES", 1_000)  # both children are still reading
    header, rows = _older()
    path = _write(tmp_path / "parent.csv", header, rows * 3)
    report = run_import(conn, importer="mmp", path=path, source="t-split", geocoder=geocoder)
    assert report.status == "failed" and report.error.startswith("LookupError: gazetteer")
    assert _counts(conn) == before


def test_import_in_halves_stores_what_one_reader_stores(
    conn: Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    header, rows = _older()
    path = _write(tmp_path / "stored.csv", header, rows + rows[::4])
    halves = run_import(conn, importer="mmp", path=path, source="t-halves")
    monkeypatch.setattr(stage, "PARALLEL_MIN_BYTES", 1 << 40)
    monkeypatch.setattr(stage, "SPLIT_MIN_BYTES", 1 << 40)
    serial = run_import(conn, importer="mmp", path=path, source="t-serial")
    assert halves.status == serial.status == "succeeded", halves.to_dict()
    for key in ("layout", "rows_read", "rejected", "inserted", "rejections"):
        assert getattr(halves, key) == getattr(serial, key), key
    query = sa.text(
        "SELECT source_id, row_hash, raw, ST_AsText(geom) AS geom, geocode, quality_flags "
        "FROM incidents WHERE source = :s ORDER BY source_id"
    )
    stored = [conn.execute(query, {"s": s}).all() for s in ("t-halves", "t-serial")]
    assert stored[0] == stored[1] and len(stored[0]) == halves.inserted > 1000
