"""The data version: what ETags and response caches are keyed on (migration 0019)."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from geo.db import sql


def data_version(conn: Connection) -> int:
    """A number that changes whenever a committed change to served data becomes visible."""
    return int(conn.execute(sql("geo", "data_version.sql")).scalar_one())
