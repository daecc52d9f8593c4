"""Engine creation and small helpers shared by every database caller.

The engine is created by whoever owns the process (the API lifespan, the CLI, the tests), never
at import time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine


def create_engine(
    sqlalchemy_url: str,
    *,
    pool_size: int = 5,
    pool_timeout_s: float = 5.0,
    connect_timeout_s: int = 3,
    statement_timeout_ms: int = 0,
    application_name: str = "crossings",
) -> Engine:
    """An engine whose pool survives a database restart (``pool_pre_ping``)."""
    options = f"-c statement_timeout={statement_timeout_ms}" if statement_timeout_ms else ""
    connect_args: dict[str, Any] = {
        "connect_timeout": connect_timeout_s,
        "application_name": application_name,
    }
    if options:
        connect_args["options"] = options
    return sa.create_engine(
        sqlalchemy_url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=pool_timeout_s,
        pool_pre_ping=True,
        connect_args=connect_args,
    )


# ``/*include:name.sql*/`` in a SQL file stands for that file of the same package, so a rule
# several queries share (e.g. which records count as public events) is written once.
_INCLUDE = re.compile(r"/\*include:([a-z0-9_]+\.sql)\*/")


@cache
def load_sql(package: str, name: str) -> str:
    """Read a ``.sql`` file that lives beside the Python that runs it, includes expanded."""
    text = resources.files(package).joinpath("sql", name).read_text(encoding="utf-8")
    return _INCLUDE.sub(lambda m: _body(load_sql(package, m.group(1))), text)


def _body(text: str) -> str:
    """An included file without its comment lines (they explain it where it is written)."""
    return "\n".join(
        line for line in text.strip().splitlines() if not line.lstrip().startswith("--")
    )


def sql(package: str, name: str) -> sa.TextClause:
    return sa.text(load_sql(package, name))


def raw_cursor(conn: Connection) -> Any:
    """The psycopg 3 cursor behind a SQLAlchemy connection, for COPY."""
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    return dbapi.cursor()


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One connection, one transaction: committed on success, rolled back on any error."""
    with engine.begin() as conn:
        yield conn
