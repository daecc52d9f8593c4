"""What the benchmarks that build their own data share: a scratch database on the server of
``DATABASE_URL`` (dropped afterwards unless kept), and how a run reports (a table, the JSON,
and the JSON written to bench/results/)."""

from __future__ import annotations

import csv
import io
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from api.settings import DEFAULT_DATABASE_URL, to_sqlalchemy_url


@dataclass(frozen=True)
class Scratch:
    url: str  # libpq URL of the scratch database
    reused: bool  # it existed and was kept as it was


@contextmanager
def _admin() -> Iterator[tuple[str, sa.Engine]]:
    """The server of ``DATABASE_URL`` (its URL without a database) and an autocommit engine on
    its ``postgres`` database, for creating and dropping databases."""
    server = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL).rsplit("/", 1)[0]
    admin = sa.create_engine(to_sqlalchemy_url(server + "/postgres"), isolation_level="AUTOCOMMIT")
    try:
        yield server, admin
    finally:
        admin.dispose()


def _drop(c: sa.Connection, name: str) -> None:
    c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def scratch_database(name: str, *, keep: bool, reuse: bool = False) -> Iterator[Scratch]:
    """A database called ``name``: created afresh (or, with ``reuse``, kept as it is when it
    exists), dropped on leaving unless ``keep``."""
    with _admin() as (server, admin):
        with admin.connect() as c:
            exists = c.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            reused = bool(reuse and exists)
            if not reused:
                _drop(c, name)
                c.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield Scratch(url=f"{server}/{name}", reused=reused)
        finally:
            if not keep:
                with admin.connect() as c:
                    _drop(c, name)


@contextmanager
def database_copies(template: str, names: list[str]) -> Iterator[list[str]]:
    """Copies of the database ``template`` (no one may be connected to it) under ``names``,
    made at once and dropped on leaving; yields their URLs. FILE_COPY leaves nothing for the
    server to write out later, so a copy does not slow a run that follows it."""
    with _admin() as (server, admin):
        with admin.connect() as c:
            for name in names:
                _drop(c, name)
                c.execute(
                    sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
                )
        try:
            yield [f"{server}/{name}" for name in names]
        finally:
            with admin.connect() as c:
                for name in names:
                    _drop(c, name)


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def publish(results: dict[str, Any], table: str, path: Path) -> None:
    """Print the table and the JSON; write the JSON to ``path``."""
    print(table)
    print(json.dumps(results, indent=2))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")


# Machine speed: the same fixed work timed before every run, so that figures taken on different
# days (the cores of this kind of machine are not always equally fast) can be compared. Best of
# three, in seconds. Python: CSV parsing and text formatting, as the import's reader does;
# server: text hashing, and point-to-line distances as the enrichment does.
CALIBRATION_SQL = {
    "server_md5_1m_s": "SELECT max(md5(i::text)) FROM generate_series(1, 1000000) i",
    "server_distance_200k_s": (
        "SELECT sum(ST_Distance(ST_MakeLine(ARRAY(SELECT ST_MakePoint(k, sin(k)) "
        "FROM generate_series(0, 63) k)), ST_MakePoint(i % 64, 2))) "
        "FROM generate_series(1, 200000) i"
    ),
}


def _python_work() -> None:
    line = "Mediterranean,1-Sep-20,2020,Sep,3,NULL,3,12,NULL,2,NULL,Drowning,near Sabratha,IOM"
    text = "\n".join(f"{line},{i / 7:.6f}, {i / 13:.6f}" for i in range(200_000))
    out = io.StringIO()
    for cells in csv.reader(io.StringIO(text)):
        out.write(f"{cells[0]}\t{int(cells[4]) + 1}\t{float(cells[14])!r}\t{cells[12].strip()}\n")


def _best(work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - t0)
    return round(best, 3)


def machine_speed(engine: sa.Engine) -> dict[str, float]:
    """Seconds for fixed reference work (smaller is faster): see ``CALIBRATION_SQL``."""
    speed = {"python_csv_200k_s": _best(_python_work)}
    with engine.connect() as c:
        c.execute(sa.text("SET max_parallel_workers_per_gather = 0"))
        for name, query in CALIBRATION_SQL.items():
            speed[name] = _best(lambda q=query: c.execute(sa.text(q)).scalar_one())
        c.rollback()
    return speed


@dataclass
class CpuMeter:
    """Busy CPU time of the whole machine (every process: this one, its children, the server's
    backends and parallel workers, and anything else running) against the cores' capacity over
    the same wall time: how much of two cores a run keeps busy."""

    busy_s: float = 0.0
    wall_s: float = 0.0
    cores: int = field(default_factory=lambda: os.cpu_count() or 1)

    @staticmethod
    def _busy() -> float:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:]]
        idle, iowait = fields[3], fields[4]
        return (sum(fields[:8]) - idle - iowait) / os.sysconf("SC_CLK_TCK")

    @contextmanager
    def measure(self) -> Iterator[CpuMeter]:
        busy0, t0 = self._busy(), time.perf_counter()
        try:
            yield self
        finally:
            self.busy_s = round(self._busy() - busy0, 1)
            self.wall_s = round(time.perf_counter() - t0, 2)

    def summary(self) -> dict[str, float]:
        capacity = self.wall_s * self.cores
        return {
            "machine_busy_cpu_s": self.busy_s,
            "capacity_cpu_s": round(capacity, 1),
            "utilisation": round(self.busy_s / capacity, 3) if capacity else 0.0,
        }
