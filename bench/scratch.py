"""What the benchmarks that build their own data share: a scratch database on the server of
``DATABASE_URL`` (dropped afterwards unless kept), and how a run reports (a table, the JSON,
and the JSON written to bench/results/)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from api.settings import DEFAULT_DATABASE_URL, to_sqlalchemy_url


@dataclass(frozen=True)
class Scratch:
    url: str  # libpq URL of the scratch database
    reused: bool  # it existed and was kept as it was


@contextmanager
def scratch_database(name: str, *, keep: bool, reuse: bool = False) -> Iterator[Scratch]:
    """A database called ``name``: created afresh (or, with ``reuse``, kept as it is when it
    exists), dropped on leaving unless ``keep``."""
    server = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL).rsplit("/", 1)[0]
    admin = sa.create_engine(to_sqlalchemy_url(server + "/postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            exists = c.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            reused = bool(reuse and exists)
            if not reused:
                c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                c.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield Scratch(url=f"{server}/{name}", reused=reused)
        finally:
            if not keep:
                with admin.connect() as c:
                    c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def publish(results: dict[str, Any], table: str, path: Path) -> None:
    """Print the table and the JSON; write the JSON to ``path``."""
    print(table)
    print(json.dumps(results, indent=2))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2) + "\n")
