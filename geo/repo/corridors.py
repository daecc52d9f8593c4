"""Corridors (the catalogue of migration routes) with incident totals computed in SQL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class CorridorOutline:
    name: str
    geometry: dict[str, Any]  # GeoJSON
    bbox: list[float]  # minx, miny, maxx, maxy


def corridor_outline(conn: Connection, *, slug: str) -> CorridorOutline:
    """The outline, its box and the corridor's name: what a map of it needs, without the
    totals ``get_corridor`` computes over every incident."""
    row = conn.execute(sa.text(load_sql("geo", "repo_corridor_geometry.sql")), {"slug": slug})
    found = row.first()
    if found is None:
        raise NotFound(f"no corridor with slug {shown(slug)}; see /corridors for the list")
    m = found._mapping
    return CorridorOutline(
        name=m["name"],
        geometry=json.loads(m["geometry"]),
        bbox=[m["minx"], m["miny"], m["maxx"], m["maxy"]],
    )


def corridor_geometry(conn: Connection, *, slug: str) -> tuple[dict[str, Any], list[float]]:
    """The outline as a GeoJSON geometry dict and its ``[minx, miny, maxx, maxy]``."""
    outline = corridor_outline(conn, slug=slug)
    return outline.geometry, outline.bbox


def corridor_names(conn: Connection) -> dict[str, str]:
    """Slug -> name of every corridor, in slug order (no incident is read)."""
    rows = conn.execute(sa.text(load_sql("geo", "repo_corridor_slugs.sql")))
    return {r.slug: r.name for r in rows}
