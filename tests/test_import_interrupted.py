"""A run left ``running`` by an import that ended without closing it is closed by the next one.

The importing connection holds the run's advisory lock while the run lasts; a ``running`` run
whose lock is free has no owner. No mocks: a real process is killed mid-import, and a live
import's lock is checked from another connection while it runs.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from api.settings import Settings
from geo.db import create_engine
from geo.geocode import geocode
from geo.importers import run_import, stage
from geo.importers.runlock import INTERRUPTED, KEY_SPACE, close_interrupted, run_key

APP_NAME = "crossings-import-interrupted-test"
SAMPLE_CURRENT = Path(__file__).parent.parent / "data" / "sample" / "mmp_current_layout_2014.csv"


def _geojson(path: Path, tag: str) -> Path:
    """One feature without coordinates (so the geocoder is called mid-import), one with."""
    props = {"event_date": "2021-03-04", "category": "death", "dead": 1}
    features = [
        {"type": "Feature", "id": f"{tag}-0", "geometry": None,
         "properties": {**props, "location_text": "off the coast of Libya"}},
        {"type": "Feature", "id": f"{tag}-1",
         "geometry": {"type": "Point", "coordinates": [15.5, 36.1]}, "properties": props},
    ]  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _insert_running(conn: Connection) -> uuid.UUID:
    return uuid.UUID(
        str(
            conn.execute(
                sa.text(
                    "INSERT INTO import_runs (importer, source, file_name, checksum, status) "
                    "VALUES ('geojson', 't-dead', 'dead.geojson', 'x', 'running') RETURNING id"
                )
            ).scalar_one()
        )
    )


def _run(conn: Connection, run_id: uuid.UUID) -> Any:
    return conn.execute(
        sa.text("SELECT status, error, finished_at FROM import_runs WHERE id = :r"), {"r": run_id}
    ).one()


def _lock_held(engine: Engine, run_id: uuid.UUID) -> bool:
    with engine.connect() as c:
        return bool(
            c.execute(
                sa.text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                    "AND classid = CAST(:space AS oid) AND objid = CAST(:key AS bigint) "
                    "& 4294967295 AND objsubid = 2 AND granted"
                ),
                {"space": KEY_SPACE, "key": run_key(run_id)},
            ).scalar_one()
        )


def test_a_running_run_without_its_lock_is_closed_by_the_next_import(
    conn: Connection, engine: Engine, tmp_path: Path
) -> None:
    dead = _insert_running(conn)
    report = run_import(conn, importer="geojson", path=_geojson(tmp_path / "a.geojson", "A"))
    assert report.status == "succeeded", report.to_dict()
    run = _run(conn, dead)
    assert (run.status, run.error) == ("failed", INTERRUPTED) and run.finished_at
    assert not _lock_held(engine, dead)  # taken for the update only, then released


def test_a_run_whose_lock_is_held_stays_running(
    conn: Connection, engine: Engine, tmp_path: Path
) -> None:
    live = _insert_running(conn)
    with engine.connect() as owner:
        owner.execute(
            sa.text("SELECT pg_advisory_lock(:space, :key)"),
            {"space": KEY_SPACE, "key": run_key(live)},
        )
        try:
            report = run_import(
                conn, importer="geojson", path=_geojson(tmp_path / "b.geojson", "B")
            )
            assert report.status == "succeeded", report.to_dict()
            run = _run(conn, live)
            assert (run.status, run.error, run.finished_at) == ("running", None, None)
        finally:
            owner.execute(
                sa.text("SELECT pg_advisory_unlock(:space, :key)"),
                {"space": KEY_SPACE, "key": run_key(live)},
            )


def _cleanup(engine: Engine, source: str) -> None:
    """Keep the shared session database as it was."""
    with engine.begin() as c:
        c.execute(sa.text("DELETE FROM incidents WHERE source = :s"), {"s": source})
        c.execute(sa.text("DELETE FROM import_runs WHERE source = :s"), {"s": source})


def test_a_live_import_holds_its_lock_until_it_is_closed(engine: Engine, tmp_path: Path) -> None:
    seen: list[tuple[str, bool]] = []

    def geocoder(text: str, **hints: Any) -> Any:
        # Mid-import, from other connections: the run is running, locked, and not closed.
        with engine.begin() as other:
            assert close_interrupted(other) == []
            run_id = other.execute(
                sa.text("SELECT id FROM import_runs WHERE source = 't-live' AND status = 'running'")
            ).scalar_one()
        seen.append((str(run_id), _lock_held(engine, uuid.UUID(str(run_id)))))
        return geocode(text, **hints)

    try:
        path = _geojson(tmp_path / "live.geojson", "L")
        report = run_import(
            engine, importer="geojson", path=path, source="t-live", geocoder=geocoder
        )
        assert report.status == "succeeded", report.to_dict()
        assert seen == [(str(report.run_id), True)]
        assert report.run_id is not None and not _lock_held(engine, report.run_id)
    finally:
        _cleanup(engine, "t-live")


def _import_and_die(url: str, path: str, importer: str, source: str) -> None:
    """A child process that is killed (SIGKILL) in the middle of its import: by its geocoder,
    or (mmp) by the test while the COPY is streaming."""

    def geocoder(text: str, **hints: Any) -> Any:
        os.kill(os.getpid(), signal.SIGKILL)

    if importer == "mmp":
        stage.PARALLEL_MIN_BYTES = 0  # read in a forked reader, as a large file is
        stage.QUEUED = 1  # few messages held: the reader is still sending when we die
    eng = create_engine(url, application_name=APP_NAME)
    run_import(eng, importer=importer, path=Path(path), source=source, geocoder=geocoder)
    time.sleep(60)  # not reached: killed before


def _kill_when_copying(engine: Engine, pid: int) -> None:
    deadline = time.monotonic() + 30
    with engine.connect() as watcher:
        while time.monotonic() < deadline:
            copying = watcher.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = :app "
                    "AND query LIKE 'COPY import_stage%' AND state = 'active'"
                ),
                {"app": APP_NAME},
            ).scalar_one()
            watcher.rollback()
            if copying:
                break
            time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)


def _killed_run(
    engine: Engine, settings: Settings, path: Path, importer: str, source: str
) -> uuid.UUID:
    """Run an import in a process killed mid-run; its run, once its session has ended."""
    child = multiprocessing.get_context("fork").Process(
        target=_import_and_die, args=(settings.sqlalchemy_url, str(path), importer, source)
    )
    child.start()
    if importer == "mmp":
        assert child.pid is not None
        _kill_when_copying(engine, child.pid)
    child.join(60)
    assert child.exitcode == -signal.SIGKILL
    with engine.connect() as c:
        dead = uuid.UUID(
            str(
                c.execute(
                    sa.text("SELECT id FROM import_runs WHERE source = :s"), {"s": source}
                ).scalar_one()
            )
        )
        assert _run(c, dead).status == "running"  # what a killed import used to leave
    deadline = time.monotonic() + 10
    while _lock_held(engine, dead) and time.monotonic() < deadline:
        time.sleep(0.05)  # the server notices the closed socket and ends the session
    return dead


def test_an_import_killed_mid_run_is_marked_failed_by_the_next(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = _geojson(tmp_path / "killed.geojson", "K")
    try:
        dead = _killed_run(engine, settings, path, "geojson", "t-killed")
        report = run_import(engine, importer="geojson", path=path, source="t-killed")
        assert report.status == "succeeded", report.to_dict()
        with engine.connect() as c:
            run = _run(c, dead)
            assert (run.status, run.error) == ("failed", INTERRUPTED) and run.finished_at
            stored = c.execute(
                sa.text("SELECT count(*) FROM incidents WHERE source = 't-killed'")
            ).scalar_one()
            assert stored == 2  # the killed run wrote nothing; this one wrote both
    finally:
        _cleanup(engine, "t-killed")


def test_a_killed_import_does_not_leave_its_reader_holding_the_session(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    """A forked reader inherits the database socket: orphaned, it kept the session (and the
    run's lock) alive forever, so the run was never seen as interrupted."""
    with SAMPLE_CURRENT.open(encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    coords = header.index("Coordinates")
    located = [row for row in rows if row[coords] != "0"]  # no geocoding: killed by the test
    path = tmp_path / "killed_reader.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows([header, *located * 100])  # the reader has more to send
    try:
        dead = _killed_run(engine, settings, path, "mmp", "t-killed-reader")
        assert not _lock_held(engine, dead)
        with engine.begin() as c:
            assert close_interrupted(c) == [dead]
    finally:
        _cleanup(engine, "t-killed-reader")
