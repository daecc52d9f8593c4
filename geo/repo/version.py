"""The data version: what ETags and response caches are keyed on (migration 0019)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from geo.db import sql


def data_version(conn: Connection) -> int:
    """A number that changes whenever a committed change to served data becomes visible."""
    return int(conn.execute(sql("geo", "data_version.sql")).scalar_one())


def data_updated_at(conn: Connection) -> datetime | None:
    """When served incidents last changed (an import, a fix): the "last updated" of maps."""
    value = conn.execute(sql("geo", "data_updated_at.sql")).scalar_one()
    return value if isinstance(value, datetime) else None
