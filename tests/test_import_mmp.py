"""MMP imports against a real PostGIS: acceptance, totals, re-imports, messy files."""

from __future__ import annotations

import csv
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.importers import run_import
from geo.importers.text import sniff

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SAMPLE_OLD = ROOT / "data" / "sample" / "mmp_export_2014_2017.csv"
SAMPLE_CURRENT = ROOT / "data" / "sample" / "mmp_current_layout_2014.csv"


def _sample_rows(path: Path, coords_column: str) -> list[tuple[int, dict[str, str]]]:
    """(line the record starts on, record), read independently of the importer."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        out, last = [], 1
        for record in reader:
            out.append((last + 1, record))
            last = reader.line_num
    assert all(coords_column in r for _, r in out)
    return out


def _has_coords(value: str) -> bool:
    return value.strip() not in ("", "NULL", "0")


def _last_run(conn: Connection, path: Path) -> sa.RowMapping:
    checksum, _ = sniff(path)
    return (
        conn.execute(
            sa.text(
                "SELECT * FROM import_runs WHERE checksum = :c AND status = 'succeeded' "
                "ORDER BY finished_at LIMIT 1"
            ),
            {"c": checksum},
        )
        .mappings()
        .one()
    )


def test_sample_acceptance_and_rejection_reasons(conn: Connection) -> None:
    for path, coords_column in (
        (SAMPLE_OLD, "Location Coordinates"),
        (SAMPLE_CURRENT, "Coordinates"),
    ):
        run = _last_run(conn, path)
        rows = _sample_rows(path, coords_column)
        assert run["rows_read"] == len(rows)
        rejected_rows = {r["row"] for r in run["rejections"]}
        assert all(r["row"] and r["reason"] for r in run["rejections"])
        with_coords = [line for line, r in rows if _has_coords(r[coords_column])]
        accepted_with_coords = [line for line in with_coords if line not in rejected_rows]
        assert len(accepted_with_coords) >= 0.99 * len(with_coords)
        assert run["inserted"] + run["updated"] + run["unchanged"] + run["rejected"] == len(rows)


def test_dead_plus_missing_equals_the_files_totals(conn: Connection) -> None:
    run = _last_run(conn, SAMPLE_OLD)
    rejected_rows = {r["row"] for r in run["rejections"]}
    expected = 0
    for line, record in _sample_rows(SAMPLE_OLD, "Location Coordinates"):
        total = record["Total Dead and Missing"].replace(",", "").strip()
        if line not in rejected_rows and total not in ("", "NULL"):
            expected += int(total)
    stored = conn.execute(
        sa.text(
            "SELECT sum(dead_and_missing), count(*) FROM incidents "
            "WHERE source = 'iom-mmp' AND raw ? 'Location Coordinates'"
        )
    ).one()
    assert stored[0] == expected
    assert stored[1] == run["rows_read"] - run["rejected"]


def test_reimport_is_skipped_and_forced_reimport_changes_nothing(conn: Connection) -> None:
    before = conn.execute(sa.text("SELECT count(*), max(updated_at) FROM incidents")).one()
    again = run_import(conn, importer="mmp", path=SAMPLE_OLD)
    assert again.status == "succeeded"
    assert again.skipped_reason and "already imported" in again.skipped_reason
    assert again.inserted == again.updated == 0
    assert again.unchanged == again.rows_read - again.rejected
    forced = run_import(conn, importer="mmp", path=SAMPLE_OLD, force=True)
    assert forced.status == "succeeded", forced.to_dict()
    assert (forced.inserted, forced.updated) == (0, 0)
    assert forced.unchanged == forced.rows_read - forced.rejected
    assert forced.skipped_reason is None
    after = conn.execute(sa.text("SELECT count(*), max(updated_at) FROM incidents")).one()
    assert tuple(after) == tuple(before)


def test_sample_rows_are_stored_with_dates_places_and_raw(conn: Connection) -> None:
    row = (
        conn.execute(
            sa.text(
                "SELECT * FROM incidents WHERE source = 'iom-mmp' "
                "AND raw->>'Location Description' = 'Agadez, Niger'"
                " AND raw->>'Reported Date' = '31-Jan-17'"
            )
        )
        .mappings()
        .one()
    )
    assert str(row["event_date"]) == "2017-01-31" and row["date_precision"] == "day"
    assert row["reported_date"] == row["event_date"]
    assert row["category"] == "death" and row["dead"] == 1
    assert row["cause"] == "Shot" and row["source_name"] == "MHub"
    assert row["route_text"] is None and row["source_quality"] == "2"
    assert row["h3_cell"] is not None and row["h3_res"] == 5  # ±5 km: MMP default
    assert (row["location_precision"], row["uncertainty_m"]) == ("locality", 5000.0)
    assert row["location_source"] == "source" and row["geocode"] is None
    lon, lat = conn.execute(
        sa.text("SELECT ST_X(geom), ST_Y(geom) FROM incidents WHERE id = :id"), {"id": row["id"]}
    ).one()
    assert (round(lat, 4), round(lon, 4)) == (16.9742, 7.9865)
    fixed = conn.execute(
        sa.text(
            "SELECT count(*) FROM incidents WHERE source = 'iom-mmp' "
            "AND location_text LIKE 'Darién province%'"
        )
    ).scalar_one()
    assert fixed > 0


def test_bad_rows_rejected_rest_imported(conn: Connection) -> None:
    report = run_import(conn, importer="mmp", path=FIXTURES / "mmp_bad_rows.csv")
    assert report.status == "succeeded", report.to_dict()
    assert {r["row"] for r in report.rejections} == {5, 6, 7, 8, 10, 14, 15}
    assert report.inserted == 7 and report.rejected == 7 and report.rows_read == 14
    stored = conn.execute(
        sa.text(
            "SELECT count(*), count(geom), sum(dead_and_missing) FROM incidents "
            "WHERE import_run_id = :r"
        ),
        {"r": report.run_id},
    ).one()
    assert tuple(stored) == (7, 6, 1 + 2 + 1 + 5 + 0 + 5 + 1)
    run = conn.execute(
        sa.text("SELECT status, rejected, rejections, warnings FROM import_runs WHERE id = :r"),
        {"r": report.run_id},
    ).one()
    assert run.status == "succeeded" and run.rejected == 7
    assert {r["row"] for r in run.rejections} == {5, 6, 7, 8, 10, 14, 15}
    assert all({"row", "field", "message"} <= set(w) for w in run.warnings)
    text = report.summary()
    assert "row 5: dead is negative (-3)" in text and "rejected 7" in text


def test_latin1_bom_and_mojibake_files(conn: Connection) -> None:
    for name, expected in (
        ("mmp_latin1.csv", "Darién province, Panama (test fixture, Latin-1 encoded)"),
        ("mmp_mojibake.csv", "Darién province, Panama (test fixture, mojibake)"),
        ("mmp_current_bom.csv", "Test fixture (BOM file) off Libya"),
    ):
        report = run_import(conn, importer="mmp", path=FIXTURES / name)
        assert report.status == "succeeded" and report.rejected == 0, report.to_dict()
        stored = (
            conn.execute(
                sa.text("SELECT location_text FROM incidents WHERE import_run_id = :r"),
                {"r": report.run_id},
            )
            .scalars()
            .all()
        )
        assert expected in stored
    kinds = set(report.warning_counts())
    assert "file: BOM removed" in kinds


def test_unknown_header_is_a_failed_run_naming_missing_columns(conn: Connection) -> None:
    before = conn.execute(sa.text("SELECT count(*) FROM incidents")).scalar_one()
    report = run_import(conn, importer="mmp", path=FIXTURES / "mmp_unknown_header.csv")
    assert report.status == "failed"
    assert report.error and "missing columns" in report.error and "Reported Date" in report.error
    run = conn.execute(
        sa.text("SELECT status, error FROM import_runs WHERE id = :r"), {"r": report.run_id}
    ).one()
    assert run.status == "failed" and run.error == report.error
    assert conn.execute(sa.text("SELECT count(*) FROM incidents")).scalar_one() == before


def test_a_utf16_file_fails_saying_so(conn: Connection, tmp_path: Path) -> None:
    """Not "the header matches no known layout" after reading it as Windows-1252."""
    path = tmp_path / "unicode_text.csv"
    path.write_bytes(SAMPLE_OLD.read_text(encoding="utf-8")[:4000].encode("utf-16"))
    report = run_import(conn, importer="mmp", path=path)
    assert report.status == "failed"
    assert report.error and report.error.startswith("the file is UTF-16 text")
    assert report.warnings == []


def test_a_coordinate_too_close_to_zero_for_postgres_is_zero(
    conn: Connection, tmp_path: Path
) -> None:
    """5e-324 (a subnormal float) made the enrichment fail the whole file with an underflow."""
    lines = SAMPLE_OLD.read_text(encoding="utf-8").splitlines()[:3]
    lines[2] = lines[2].replace('"33.514303300000, 11.098731100000"', '"33.5143, 5e-324"')
    assert "5e-324" in lines[2]
    path = tmp_path / "tiny.csv"
    path.write_text("\n".join(lines) + "\n")
    report = run_import(conn, importer="mmp", path=path)
    assert report.status == "succeeded", report.error
    assert (report.rows_read, report.rejected) == (2, 0)
    lon = conn.execute(
        sa.text("SELECT ST_X(geom) FROM incidents WHERE import_run_id = :r AND cause = 'Drowning'"),
        {"r": report.run_id},
    ).scalar_one()
    assert lon == 0.0
