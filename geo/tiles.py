"""Mapbox vector tiles (MVT) of public incidents, H3 hexagons and two reference layers.

Tiles are made in PostGIS (``ST_AsMVT`` / ``ST_AsMVTGeom`` on ``ST_TileEnvelope``, SQL files in
``geo/sql/tiles_*.sql``) in the web-mercator XYZ tile matrix, zoom 0 to ``MAX_ZOOM``. The two
incident layers read only public events through ``geo.repo.incidents.where_sql``, so a tile
holds exactly the events ``/incidents?bbox=<the tile's bounds>`` lists with the same filters.

Hexagons: values as ``geo.heatmap`` computes them in coarse mode (an event whose place is
known only roughly stays in its own, coarser cell, ``coarser=true``); the resolution follows the
zoom (``hexagon_resolution``). Hexagon outlines come from h3 via ``geo.h3index``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo import h3index
from geo.db import load_sql
from geo.errors import InvalidInput, shown
from geo.repo.filters import BBox
from geo.repo.incidents import IncidentFilter, where_sql

MIN_ZOOM, MAX_ZOOM = 0, 16
EXTENT = 4096  # tile coordinate units per side (the MVT default)
BUFFER = 64  # units drawn beyond each edge so strokes join across tiles
MERCATOR_MAX_LAT = 85.0511287798066  # the web-mercator square's edge
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"

INCIDENT_LAYERS = ("incidents", "hexagons")
REFERENCE_LAYERS = ("corridors", "land_borders")
LAYERS = INCIDENT_LAYERS + REFERENCE_LAYERS

# Feature attributes per layer (TileJSON ``vector_layers[].fields``); the SQL files select
# exactly these names, and the tests check the decoded tiles against this table.
FIELDS: dict[str, dict[str, str]] = {
    "incidents": {
        "id": "String", "date": "String", "date_precision": "String", "category": "String",
        "dead": "Number", "missing": "Number", "dead_and_missing": "Number",
        "survivors": "Number", "cause": "String", "location": "String", "country": "String",
        "sea_area": "String", "corridor": "String", "precision": "String",
        "uncertainty_m": "Number", "source_name": "String",
    },
    "hexagons": {
        "h3": "String", "resolution": "Number", "incidents": "Number", "dead": "Number",
        "missing": "Number", "dead_and_missing": "Number", "coarser": "Boolean",
    },
    "corridors": {"slug": "String", "name": "String", "kind": "String", "region": "String"},
    "land_borders": {
        "pair": "String", "iso3_a": "String", "iso3_b": "String", "length_km": "Number",
    },
}  # fmt: skip

DESCRIPTIONS = {
    "incidents": "Public incidents, one point per event (nulls are left out of a feature).",
    "hexagons": (
        "H3 hexagons with the number of public events and their dead and missing; an event "
        "whose place is known only roughly stays in its own coarser cell (coarser=true)."
    ),
    "corridors": "Migration corridors (see /corridors).",
    "land_borders": "Land borders between countries (Natural Earth), as country-code pairs.",
}


@dataclass(frozen=True)
class Tile:
    """One tile of the XYZ web-mercator matrix (y counts down from the north)."""

    z: int
    x: int
    y: int

    def bounds(self) -> tuple[float, float, float, float]:
        """``(west, south, east, north)`` in degrees."""
        n = 2**self.z
        return (
            self.x / n * 360.0 - 180.0,
            _tile_lat(self.y + 1, n),
            (self.x + 1) / n * 360.0 - 180.0,
            _tile_lat(self.y, n),
        )


def _tile_lat(y: int, n: int) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))


def parse_layer(text: str) -> str:
    if text not in LAYERS:
        raise InvalidInput(
            f"layer must be one of {', '.join(LAYERS)}; got {shown(text)}", parameter="layer"
        )
    return text


def _whole(text: str, name: str, top: int, context: str) -> int:
    hint = f"{name} must be a whole number from 0 to {top}{context}; got {shown(text)}"
    if not (text.isascii() and text.isdigit() and len(text) <= 6):
        raise InvalidInput(hint, parameter=name)
    value = int(text)
    if value > top:
        raise InvalidInput(hint, parameter=name)
    return value


def parse_tile(z: str, x: str, y: str) -> Tile:
    """A tile inside the matrix: z 0..MAX_ZOOM, x and y 0..2^z-1 (400 saying the range)."""
    zoom = _whole(z, "z", MAX_ZOOM, "")
    top = 2**zoom - 1
    context = f" at zoom {zoom} (2^z - 1)"
    return Tile(zoom, _whole(x, "x", top, context), _whole(y, "y", top, context))


def hexagon_resolution(zoom: int) -> int:
    """H3 resolution of the hexagon layer at a zoom: ``min(9, (zoom + 2) // 2)``.

    Roughly 20-60 hexagons across a tile: zoom 0-1 → res 1 (~420 km edges), 4 → 3 (~60 km),
    6 → 4 (~23 km), 8 → 5 (~9 km), 12 → 7 (~1.2 km), 16 → 9 (~170 m, the finest stored).
    """
    return min(h3index.MAX_STORED_RES, (zoom + 2) // 2)


def _tile_params(tile: Tile) -> dict[str, Any]:
    return {"z": tile.z, "x": tile.x, "y": tile.y, "extent": EXTENT, "buffer": BUFFER}


def _envelope_sql(boxes: Sequence[tuple[float, float, float, float]], prefix: str) -> str:
    return " OR ".join(
        f"i.geom && ST_MakeEnvelope(:{prefix}{n}0, :{prefix}{n}1, :{prefix}{n}2, "
        f":{prefix}{n}3, 4326)"
        for n in range(len(boxes))
    )


def _envelope_params(
    boxes: Sequence[tuple[float, float, float, float]], prefix: str
) -> dict[str, float]:
    return {f"{prefix}{n}{k}": v for n, box in enumerate(boxes) for k, v in enumerate(box)}


def _scalar_mvt(conn: Connection, query: str, params: dict[str, Any]) -> bytes:
    data = conn.execute(sa.text(query), params).scalar_one()
    return bytes(data) if data is not None else b""


def incidents_tile(conn: Connection, *, tile: Tile, flt: IncidentFilter) -> bytes:
    """The points of the public events in the tile (its bounds inclusive, as ``bbox`` is)."""
    where, params = where_sql(conn, flt)
    box = [tile.bounds()]
    query = load_sql("geo", "tiles_incidents.sql").replace(
        "{filter}", where + f"\n  AND ({_envelope_sql(box, 'tb')})"
    )
    return _scalar_mvt(conn, query, {**params, **_envelope_params(box, "tb"), **_tile_params(tile)})


def reference_tile(conn: Connection, *, tile: Tile, layer: str) -> bytes:
    """Corridor outlines or land borders, cut to the tile plus its buffer before projecting."""
    west, south, east, north = tile.bounds()
    pad_x = (east - west) * BUFFER / EXTENT
    pad_y = (north - south) * BUFFER / EXTENT
    clip = {
        "cx0": max(-180.0, west - pad_x),
        "cy0": max(-MERCATOR_MAX_LAT, south - pad_y),
        "cx1": min(180.0, east + pad_x),
        "cy1": min(MERCATOR_MAX_LAT, north + pad_y),
    }
    query = load_sql("geo", f"tiles_{layer}.sql")
    return _scalar_mvt(conn, query, {**clip, **_tile_params(tile)})


def hexagons_tile(conn: Connection, *, tile: Tile, flt: IncidentFilter) -> bytes:
    """The H3 cells (at ``hexagon_resolution(z)``) that reach into the tile, with their values.

    A cell's value counts all its events, also those outside the tile: events are read from
    the tile grown by three average edge lengths (more than any cell's width), plus every
    event known only more coarsely than the resolution (its big cell may reach the tile from
    far away). Cells are grouped by ``heatmap.sql``, the rule ``geo.heatmap`` uses.
    """
    resolution = hexagon_resolution(tile.z)
    where, params = where_sql(conn, flt)
    boxes = _grown(tile, 3 * h3index.EDGE_M[resolution]).envelopes()
    near = (
        f"\n  AND i.h3_cell IS NOT NULL\n  AND ({_envelope_sql(boxes, 'hb')}"
        " OR h3_resolution(i.h3_cell) < :resolution)"
    )
    query = load_sql("geo", "heatmap.sql").replace("{filter}", where + near)
    rows = conn.execute(
        sa.text(query),
        {**params, **_envelope_params(boxes, "hb"), "resolution": resolution, "limit": 2**62},
    ).mappings()
    cells: dict[str, list[Any]] = {
        k: []
        for k in (
            "h3",
            "resolution",
            "incidents",
            "dead",
            "missing",
            "dead_and_missing",
            "coarser",
            "wkb",
        )  # fmt: skip
    }
    ids: list[int] = []
    for row in rows:
        cell, res = int(row["cell"]), int(row["res"])
        ids.append(cell)
        cells["h3"].append(h3index.to_hex(cell))
        cells["resolution"].append(res)
        for count in ("incidents", "dead", "missing", "dead_and_missing"):
            cells[count].append(int(row[count]))
        cells["coarser"].append(res < resolution)
    if not ids:
        return b""
    cells["wkb"] = hexagon_wkbs(ids)
    query = load_sql("geo", "tiles_hexagons.sql")
    return _scalar_mvt(conn, query, {**cells, **_tile_params(tile)})


def _grown(tile: Tile, metres: float) -> BBox:
    """The tile's bounds grown by ``metres`` on the ground each way (whole world at most)."""
    west, south, east, north = tile.bounds()
    dlat = metres / 110_574.0  # a degree of latitude is at least this long
    south, north = max(-90.0, south - dlat), min(90.0, north + dlat)
    widest = max(abs(south), abs(north))
    cos = math.cos(math.radians(widest))
    dlon = 360.0 if cos < 1e-6 else metres / (111_320.0 * cos)
    west, east = west - dlon, east + dlon
    if east - west >= 360.0:
        return BBox(-180.0, south, 180.0, north)
    if west < -180.0:
        return BBox(west + 360.0, south, east, north)  # crosses the antimeridian
    if east > 180.0:
        return BBox(west, south, east - 360.0, north)
    return BBox(west, south, east, north)


def hexagon_wkbs(cells: Sequence[int]) -> list[bytes]:
    """The cells' outlines as WKB (EPSG:4326), held within the web-mercator latitudes so they
    can be projected; one that crosses the antimeridian is cut into a two-part MultiPolygon.
    Built as one shapely array: a tile may hold hundreds of cells."""
    rings = [
        [(lon, max(-MERCATOR_MAX_LAT, min(MERCATOR_MAX_LAT, lat))) for lon, lat in
         h3index.boundary(cell)]
        for cell in cells
    ]  # fmt: skip
    coords = [xy for ring in rings for xy in ring]  # ragged: pentagons, distorted cells
    index = [n for n, ring in enumerate(rings) for _ in ring]
    shapes = shapely.polygons(shapely.linearrings(coords, indices=index))
    for n, ring in enumerate(rings):
        lons = [lon for lon, _ in ring]
        if max(lons) - min(lons) > 180.0:
            shapes[n] = _cut_at_antimeridian(ring)
    return list(shapely.to_wkb(shapes))


def hexagon_wkb(cell: int) -> bytes:
    """One cell's outline as ``hexagon_wkbs`` makes it."""
    return hexagon_wkbs([cell])[0]


def _cut_at_antimeridian(ring: list[tuple[float, float]]) -> shapely.MultiPolygon:
    shifted = shapely.Polygon([(lon + 360.0 if lon < 0 else lon, lat) for lon, lat in ring])
    east = shapely.clip_by_rect(shifted, 0.0, -90.0, 180.0, 90.0)
    west = shapely.transform(
        shapely.clip_by_rect(shifted, 180.0, -90.0, 360.0, 90.0), lambda xy: xy - (360.0, 0.0)
    )
    return shapely.MultiPolygon(
        [p for g in (east, west) for p in shapely.get_parts(g) if not p.is_empty]
    )


def data_bounds(
    conn: Connection, *, layer: str, flt: IncidentFilter
) -> tuple[float, float, float, float] | None:
    """Where a layer has features: the extent of the matching events, or of the reference
    table; None when empty. Hexagons reach beyond their events' points, so: the world."""
    if layer == "hexagons":
        return (-180.0, -MERCATOR_MAX_LAT, 180.0, MERCATOR_MAX_LAT)
    if layer == "incidents":
        where, params = where_sql(conn, flt)
        query = load_sql("geo", "tiles_incidents_extent.sql").replace("{filter}", where)
    else:
        table = {"corridors": "corridors", "land_borders": "land_borders"}[layer]  # fixed names
        query = load_sql("geo", "tiles_reference_extent.sql").replace("{table}", table)
        params = {}
    row = conn.execute(sa.text(query), params).one()
    if row[0] is None:
        return None
    west, south, east, north = (float(v) for v in row)
    return (
        west,
        max(-MERCATOR_MAX_LAT, south),
        east,
        min(MERCATOR_MAX_LAT, north),
    )
