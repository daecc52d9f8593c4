"""Database liveness, as seen by a client of the API."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection


def postgis_version(conn: Connection) -> str:
    """Fails unless the server answers *and* PostGIS is installed in this database."""
    return str(conn.execute(sa.text("SELECT postgis_version()")).scalar_one())
