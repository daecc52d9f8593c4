"""Reference layers served as features (corridor outlines, land borders, sea routes).

Each layer is a small table with a stable text key (slug or country pair), paged by that key
(keyset, so a page stays right while the boundaries are reloaded) and filtered by bbox in
PostGIS. The incidents have their own repository (``geo.repo.incidents``).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.db import load_sql
from geo.errors import InvalidInput, NotFound, shown
from geo.repo.filters import BBox


@dataclass(frozen=True)
class Layer:
    """A table served as features: its query file, its table and what its key is called."""

    name: str
    sql_file: str
    table: str
    key_column: str  # on alias g
    key_name: str  # how an error message names the key ("slug", "pair")


CORRIDORS = Layer("corridors", "repo_layer_corridors.sql", "corridors", "g.slug", "slug")
LAND_BORDERS = Layer(
    "land_borders", "repo_layer_land_borders.sql", "land_borders", "g.pair", "pair"
)
SEA_ROUTES = Layer("sea_routes", "repo_layer_sea_routes.sql", "sea_routes", "g.slug", "slug")
LAYERS = {layer.name: layer for layer in (CORRIDORS, LAND_BORDERS, SEA_ROUTES)}


@dataclass
class FeaturePage:
    """Rows (``key``, ``geometry`` as a GeoJSON dict, attributes), the count over all pages and
    the key the next page starts after (``None`` on the last page)."""

    rows: list[dict[str, Any]]
    number_matched: int
    next_key: str | None


def _bbox_sql(bbox: BBox | None) -> tuple[str, dict[str, Any]]:
    """``AND`` the box (two envelopes across the antimeridian): index test, then the exact one,
    so a long border whose box merely overlaps is not served for a box it misses."""
    if bbox is None:
        return "", {}
    boxes, params = [], {}
    for n, (minx, miny, maxx, maxy) in enumerate(bbox.envelopes()):
        env = f"ST_MakeEnvelope(:bx{n}0, :bx{n}1, :bx{n}2, :bx{n}3, 4326)"
        boxes.append(f"(g.geom && {env} AND ST_Intersects(g.geom, {env}))")
        params.update({f"bx{n}0": minx, f"bx{n}1": miny, f"bx{n}2": maxx, f"bx{n}3": maxy})
    return "\n  AND (" + " OR ".join(boxes) + ")", params


def encode_after(key: str) -> str:
    """The opaque ``cursor`` of a ``next`` link: the last key of the page, base64url."""
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_after(token: str) -> str:
    """The inverse of ``encode_after``; anything else is the client's to fix (400)."""
    try:
        key = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key = ""
    if not key or not key.isprintable() or len(key) > 200:
        raise InvalidInput(
            "cursor is not valid; follow the 'next' link of a previous page unchanged",
            parameter="cursor",
        )
    return key


def _decoded(row: Any) -> dict[str, Any]:
    """A result row as a dict with its GeoJSON text parsed."""
    values = dict(row)
    values["geometry"] = json.loads(values["geometry"])
    return values


def list_features(
    conn: Connection, *, layer: Layer, bbox: BBox | None, limit: int, after: str | None = None
) -> FeaturePage:
    """One page in key order, the number matching ``bbox`` and where the next page starts."""
    key = layer.key_column
    where, params = _bbox_sql(bbox)
    page_where = where + (f"\n  AND {key} > :after" if after is not None else "")
    query = load_sql("geo", layer.sql_file) + page_where + f"\nORDER BY {key}\nLIMIT :limit"
    result = conn.execute(sa.text(query), dict(params, after=after, limit=limit + 1))
    rows = [_decoded(r._mapping) for r in result]
    more = len(rows) > limit
    rows = rows[:limit]
    if after is None and not more:
        matched = len(rows)  # all of it fits on the first page
    else:
        count = f"SELECT count(*) FROM {layer.table} AS g WHERE true{where}"
        matched = int(conn.execute(sa.text(count), params).scalar_one())
    return FeaturePage(rows, matched, rows[-1]["key"] if more else None)


def get_feature(conn: Connection, *, layer: Layer, key: str) -> dict[str, Any]:
    """One feature by its key; an unknown key is a 404 naming the layer."""
    query = load_sql("geo", layer.sql_file) + f"\n  AND {layer.key_column} = :key"
    row = conn.execute(sa.text(query), {"key": key}).first()
    if row is None:
        raise NotFound(f"no {layer.name} feature with {layer.key_name} {shown(key)}")
    return _decoded(row._mapping)


def layer_bbox(conn: Connection, *, layer: Layer) -> list[float] | None:
    """``[minx, miny, maxx, maxy]`` of the whole table, ``None`` when it is empty."""
    query = load_sql("geo", "repo_layer_extent.sql").format(table=layer.table)
    row = conn.execute(sa.text(query)).one()._mapping
    return None if row["minx"] is None else [row["minx"], row["miny"], row["maxx"], row["maxy"]]


@dataclass(frozen=True)
class IncidentExtent:
    bbox: list[float] | None  # None: no located public incident
    first_day: date | None
    last_day: date | None


def incident_extent(conn: Connection) -> IncidentExtent:
    """Where and when the public events lie (the same rule as ``/incidents``)."""
    row = conn.execute(sa.text(load_sql("geo", "repo_incident_extent.sql"))).one()._mapping
    bbox = None if row["minx"] is None else [row["minx"], row["miny"], row["maxx"], row["maxy"]]
    return IncidentExtent(bbox, row["first_day"], row["last_day"])
