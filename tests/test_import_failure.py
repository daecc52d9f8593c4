"""A failed import leaves the database as it was, and says so in import_runs.

No mocks: the database really refuses a row (a CHECK constraint added inside the test's
transaction), or really drops the connection (pg_terminate_backend from another session while
the COPY is streaming).
"""

from __future__ import annotations

import csv
import logging
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from api.settings import Settings
from geo.db import create_engine
from geo.importers import ImportAborted, run_import

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SAMPLE_OLD = ROOT / "data" / "sample" / "mmp_export_2014_2017.csv"
APP_NAME = "crossings-import-kill-test"


def test_row_refused_by_the_database_rolls_back_the_whole_file(conn: Connection) -> None:
    conn.execute(
        sa.text("ALTER TABLE incidents ADD CONSTRAINT test_dead_cap CHECK (dead < 500) NOT VALID")
    )
    before = conn.execute(sa.text("SELECT count(*), sum(dead_and_missing) FROM incidents")).one()
    report = run_import(conn, importer="mmp", path=FIXTURES / "mmp_constraint.csv")
    assert report.status == "failed"
    assert report.error and "test_dead_cap" in report.error
    assert (report.inserted, report.updated) == (0, 0)
    after = conn.execute(sa.text("SELECT count(*), sum(dead_and_missing) FROM incidents")).one()
    assert tuple(after) == tuple(before)
    leaked = conn.execute(
        sa.text(
            "SELECT count(*) FROM incidents WHERE location_text LIKE 'Test fixture constraint%'"
        )
    ).scalar_one()
    assert leaked == 0  # row one was valid, but the file is all or nothing
    run = conn.execute(
        sa.text("SELECT status, error, finished_at FROM import_runs WHERE id = :r"),
        {"r": report.run_id},
    ).one()
    assert run.status == "failed" and "test_dead_cap" in run.error and run.finished_at


def test_a_failed_run_reports_the_rows_it_read_alike_everywhere(
    conn: Connection, tmp_path: Path
) -> None:
    """Summary, JSON and the stored run agree: rows read and rejected as listed, nothing written."""
    conn.execute(
        sa.text("ALTER TABLE incidents ADD CONSTRAINT test_dead_cap CHECK (dead < 500) NOT VALID")
    )
    path = tmp_path / "bad_and_refused.csv"
    bad = (FIXTURES / "mmp_bad_rows.csv").read_text(encoding="utf-8")
    refused = (FIXTURES / "mmp_constraint.csv").read_text(encoding="utf-8").split("\n", 1)[1]
    path.write_text(bad + refused, encoding="utf-8")
    report = run_import(conn, importer="mmp", path=path)
    assert report.status == "failed" and "test_dead_cap" in (report.error or "")
    data = report.to_dict()
    assert data["rejected"] == len(data["rejections"]) == 7
    assert data["rows_read"] == 16  # 14 records of the bad-rows file, 2 of the refused one
    assert (data["inserted"], data["updated"], data["unchanged"]) == (0, 0, 0)
    assert "rows read 16, rejected 7; nothing written" in report.summary()
    assert "rejections (7):" in report.summary()
    run = (
        conn.execute(
            sa.text(
                "SELECT rows_read, inserted, updated, unchanged, rejected, "
                "jsonb_array_length(rejections) AS listed FROM import_runs WHERE id = :r"
            ),
            {"r": report.run_id},
        )
        .mappings()
        .one()
    )
    assert dict(run) == {
        "rows_read": 16, "inserted": 0, "updated": 0, "unchanged": 0, "rejected": 7, "listed": 7,
    }  # fmt: skip


def test_a_row_the_database_refuses_is_not_logged(
    conn: Connection, caplog: pytest.LogCaptureFixture
) -> None:
    """The server's DETAIL is the failing row (its point as WKB, its text): one line is logged."""
    conn.execute(
        sa.text("ALTER TABLE incidents ADD CONSTRAINT test_dead_cap CHECK (dead < 500) NOT VALID")
    )
    with caplog.at_level(logging.ERROR, logger="geo.importers.runner"):
        report = run_import(conn, importer="mmp", path=FIXTURES / "mmp_constraint.csv")
    assert report.status == "failed"
    logged = " ".join(r.getMessage() + str(r.exc_info) + str(r.exc_text) for r in caplog.records)
    assert "test_dead_cap" in logged
    assert "Failing row" not in logged and "constraint row two" not in logged


def _big_file(tmp_path: Path, copies: int) -> Path:
    """The sample repeated with distinct locations: valid rows, enough to stream for a while."""
    with SAMPLE_OLD.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    loc = header.index("Location Description")
    path = tmp_path / "kill_test.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for n in range(copies):
            for row in rows:
                row = list(row)
                row[loc] = f"Kill test copy {n}: {row[loc]}"
                writer.writerow(row)
    return path


def _kill_copy(engine: Engine, stop: threading.Event, killed: list[int]) -> None:
    with engine.connect() as watcher:
        while not stop.is_set():
            pids = (
                watcher.execute(
                    sa.text(
                        "SELECT pid FROM pg_stat_activity WHERE application_name = :app "
                        "AND query LIKE 'COPY import_stage%' AND state = 'active'"
                    ),
                    {"app": APP_NAME},
                )
                .scalars()
                .all()
            )
            for pid in pids:
                watcher.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})
                killed.append(pid)
                return
            watcher.rollback()
            time.sleep(0.002)


@pytest.mark.slow
def test_connection_lost_mid_file_leaves_nothing_behind(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = _big_file(tmp_path, copies=10)
    importer = create_engine(settings.sqlalchemy_url, application_name=APP_NAME)
    with engine.connect() as c:
        before = c.execute(sa.text("SELECT count(*) FROM incidents")).scalar_one()
    stop = threading.Event()
    killed: list[int] = []
    watcher = threading.Thread(target=_kill_copy, args=(engine, stop, killed))
    watcher.start()
    report = None
    try:
        report = run_import(importer, importer="mmp", path=path)
        assert killed, "the COPY finished before it could be interrupted"
        assert report.status == "failed"
        assert report.error and "connection lost" in report.error
        with engine.connect() as c:
            assert c.execute(sa.text("SELECT count(*) FROM incidents")).scalar_one() == before
            run = c.execute(
                sa.text("SELECT status, error FROM import_runs WHERE id = :r"),
                {"r": report.run_id},
            ).one()
            assert run.status == "failed" and "connection lost" in run.error
    finally:
        stop.set()
        watcher.join()
        importer.dispose()
        if report is not None and report.run_id is not None:
            with engine.begin() as c:  # keep the shared session database as it was
                c.execute(
                    sa.text("DELETE FROM incidents WHERE import_run_id = :r"), {"r": report.run_id}
                )
                c.execute(sa.text("DELETE FROM import_runs WHERE id = :r"), {"r": report.run_id})


def test_unreachable_database_raises_before_anything_starts() -> None:
    nowhere = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none", connect_timeout_s=1)
    with pytest.raises(sa.exc.OperationalError, match="127.0.0.1"):
        run_import(nowhere, importer="mmp", path=FIXTURES / "mmp_latin1.csv")
    nowhere.dispose()


def test_import_aborted_is_an_operational_error_with_a_plain_message() -> None:
    aborted = ImportAborted("import of x.csv failed; nothing was committed", OSError("gone"))
    assert isinstance(aborted, sa.exc.OperationalError)
    assert str(aborted) == "import of x.csv failed; nothing was committed"
    assert str(aborted.orig) == "gone"
