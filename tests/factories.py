"""Rows the API tests insert inside their rolled-back transaction (helpers, no tests here).

Incidents get event dates in 2091 so that a ``datetime=2091-01-01/..`` filter isolates them from
the MMP sample the session database holds; corridors get ``zz-test-`` slugs for the same reason.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

FUTURE = "2091-01-01/.."
BOX = "MULTIPOLYGON(((20 30, 30 30, 30 40, 20 40, 20 30)))"


def insert_corridor(conn: Connection, slug: str, *, kind: str = "sea", wkt: str = BOX) -> int:
    return int(
        conn.execute(
            sa.text(
                "INSERT INTO corridors (slug, name, kind, region, countries, mmp_routes, "
                " catalogue_version, geom) "
                "VALUES (:slug, :name, :kind, 'Test region', ARRAY['GRC','TUR'], "
                " ARRAY['Test route'], 'test', ST_GeomFromText(:wkt, 4326)) RETURNING id"
            ),
            {"slug": slug, "name": slug.replace("-", " ").title(), "kind": kind, "wkt": wkt},
        ).scalar_one()
    )


def insert_import_run(
    conn: Connection, source: str, *, importer: str = "csv", file_name: str | None = None
) -> uuid.UUID:
    """An import run of its own (status running), so a pass can be scoped to a test's records.
    Its file name (``source.test`` by default) makes the records' origin for dedupe."""
    return uuid.UUID(
        str(
            conn.execute(
                sa.text(
                    "INSERT INTO import_runs (importer, source, file_name, checksum)"
                    " VALUES (:importer, :source, :file_name, md5(random()::text))"
                    " RETURNING id"
                ),
                {
                    "importer": importer,
                    "source": source,
                    "file_name": file_name or f"{source}.test",
                },
            ).scalar_one()
        )
    )


def insert_incident(
    conn: Connection,
    *,
    lon: float | None = 25.0,
    lat: float | None = 35.0,
    event_date: date | None = date(2091, 6, 1),
    category: str = "death",
    **fields: Any,
) -> uuid.UUID:
    """One incident; ``fields`` are any other column (dead, country, corridor_id, ...)."""
    values: dict[str, Any] = {
        "source": "test-api",
        "source_id": uuid.uuid4().hex,
        "row_hash": uuid.uuid4().hex,
        "category": category,
        "event_date": event_date,
        "raw": '{"secret": "raw-json-must-not-leak"}',
        **fields,
    }
    columns = list(values)
    placeholders = [f"CAST(:{c} AS jsonb)" if c == "raw" else f":{c}" for c in columns]
    columns.append("geom")
    placeholders.append("ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)" if lon is not None else "NULL")
    values.update(lon=lon, lat=lat)
    query = (
        f"INSERT INTO incidents ({', '.join(columns)}) VALUES ({', '.join(placeholders)}) "
        "RETURNING id"
    )
    return uuid.UUID(str(conn.execute(sa.text(query), values).scalar_one()))
