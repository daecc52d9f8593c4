"""Corridors (the catalogue of migration routes) with incident totals computed in SQL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, RowMapping

from geo.db import load_sql
from geo.errors import NotFound, shown
from geo.repo.filters import DateInterval
from geo.repo.incidents import IncidentFilter, check_sources, filter_sql

Row = RowMapping  # read-only, name-keyed


def _query(
    conn: Connection, *, interval: DateInterval | None, slug: str | None, sources: Sequence[str]
) -> list[Row]:
    # the date and source rules of every public read, from the one filter builder
    check_sources(conn, sources)
    flt = IncidentFilter(interval=interval, sources=sources)
    incident_filter, params = filter_sql(flt, corridor_id=None)
    corridor_filter = ""
    if slug is not None:
        corridor_filter = " AND c.slug = :slug"
        params["slug"] = slug
    query = load_sql("geo", "repo_corridors.sql").format(
        incident_filter=incident_filter, corridor_filter=corridor_filter
    )
    return [r._mapping for r in conn.execute(sa.text(query), params)]


def list_corridors(
    conn: Connection, *, interval: DateInterval | None = None, sources: Sequence[str] = ()
) -> list[Row]:
    """Every corridor, by slug, with totals restricted to ``interval`` and to the events the
    datasets ``sources`` report, when given."""
    return _query(conn, interval=interval, slug=None, sources=sources)


def get_corridor(
    conn: Connection,
    *,
    slug: str,
    interval: DateInterval | None = None,
    sources: Sequence[str] = (),
) -> Row:
    rows = _query(conn, interval=interval, slug=slug, sources=sources)
    if not rows:
        raise NotFound(f"no corridor with slug {shown(slug)}; see /corridors for the list")
    return rows[0]


def corridor_geometry(conn: Connection, *, slug: str) -> tuple[dict[str, Any], list[float]]:
    """The outline as a GeoJSON geometry dict and its ``[minx, miny, maxx, maxy]``."""
    row = conn.execute(sa.text(load_sql("geo", "repo_corridor_geometry.sql")), {"slug": slug})
    found = row.first()
    if found is None:
        raise NotFound(f"no corridor with slug {shown(slug)}; see /corridors for the list")
    m = found._mapping
    return json.loads(m["geometry"]), [m["minx"], m["miny"], m["maxx"], m["maxy"]]
