"""Datasets (``incidents.source`` ids): their names, links and credits, and incident totals.

Names, links and credits come from ``geo/data/sources.toml`` (a small catalogue kept with the
code); totals come from the public events, filtered like every other read
(``geo.repo.incidents.where_sql``). An event several datasets report counts under each of them,
once, so a dataset's totals are what ``/incidents?source=<id>`` counts (``repo_sources.sql``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.db import load_sql
from geo.repo.incidents import IncidentFilter, public_url, where_sql


@dataclass(frozen=True)
class SourceInfo:
    """What a map shows for a dataset: its name, its home page and the credit it asks for."""

    name: str
    url: str | None
    credit: str  # never empty: a map always has a line to show


@cache
def catalogue() -> dict[str, SourceInfo]:
    """The catalogue by dataset id, read once. Only http(s) links are kept (they end up in
    ``<a href>``)."""
    text = resources.files("geo").joinpath("data", "sources.toml").read_text(encoding="utf-8")
    return {
        ident: SourceInfo(
            name=str(entry["name"]),
            url=public_url(entry.get("url")),
            credit=str(entry.get("credit") or entry["name"]),
        )
        for ident, entry in tomllib.loads(text).items()
    }


def describe(ident: str) -> SourceInfo:
    """The catalogue entry, or the id as its own name and credit (no link) when the catalogue
    does not list it."""
    return catalogue().get(ident) or SourceInfo(name=ident, url=None, credit=ident)


def list_sources(conn: Connection, *, flt: IncidentFilter) -> list[dict[str, Any]]:
    """One row per dataset with a public record of a matching event, by id: ``id``, ``name``,
    ``url``, ``credit`` and totals (``incidents``, ``dead``, ``missing``, ``dead_and_missing``,
    ``first_event_date``, ``last_event_date``)."""
    where, params = where_sql(conn, flt)
    query = load_sql("geo", "repo_sources.sql").replace("{incident_filter}", where)
    rows = conn.execute(sa.text(query), params).mappings().all()
    out = []
    for row in rows:
        info = describe(row["id"])
        out.append({**row, "name": info.name, "url": info.url, "credit": info.credit})
    return out
