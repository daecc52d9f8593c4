"""H3 cells as GeoJSON polygons that draw correctly everywhere (RFC 7946).

h3 gives a cell's vertices with longitudes in -180..180, so a cell over the antimeridian (Fiji,
the Bering Strait, the Pacific routes) has an edge that jumps across the whole map, and the two
cells around each pole wrap 360° of longitude. Drawn naively both become smears across the
world. Here the ring is unwrapped into continuous longitudes, closed over the pole when it
winds around one, and cut at ±180° into a MultiPolygon (RFC 7946 §3.1.9); every ring is
counter-clockwise (§3.1.6) and every geometry valid. Cells that cross nothing (nearly all) skip
shapely entirely.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import shapely
from shapely.geometry import Polygon, box
from shapely.geometry.polygon import orient

from geo import h3index

Ring = list[tuple[float, float]]
_DIGITS = 7  # ~1 cm; h3 vertices carry more digits than any map needs


def _unwrap(ring: Ring) -> tuple[Ring, float]:
    """Longitudes made continuous (no step over 180°), and how far the ring winds (0 or ±360)."""
    out = [ring[0]]
    for lon, lat in ring[1:]:
        prev = out[-1][0]
        while lon - prev > 180:
            lon -= 360
        while lon - prev < -180:
            lon += 360
        out.append((lon, lat))
    closing = ring[0][0] - out[-1][0]
    closing -= 360 * round(closing / 360)  # the last edge, taken the short way
    winding = 360.0 * round((out[-1][0] + closing - out[0][0]) / 360)
    return out, winding


def _signed_area(ring: Ring) -> float:
    return 0.5 * sum(
        x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)
    )


def _closed(ring: Ring) -> list[list[float]]:
    points = [[round(x, _DIGITS), round(y, _DIGITS)] for x, y in ring]
    return points + [points[0]]


def split_ring(ring: Ring, *, pole_lat: float = 0.0) -> dict[str, Any]:
    """A GeoJSON Polygon or MultiPolygon for a ring of ``(lon, lat)`` in -180..180.

    ``pole_lat`` is the sign of the pole the ring winds around, if it does (only cells that
    contain a pole do); it comes from the cell's centre.
    """
    unwrapped, winding = _unwrap(ring)
    lons = [lon for lon, _ in unwrapped]
    if winding == 0 and -180 <= min(lons) and max(lons) <= 180:
        if _signed_area(unwrapped) < 0:
            unwrapped.reverse()
        return {"type": "Polygon", "coordinates": [_closed(unwrapped)]}
    if winding != 0:  # the ring goes round a pole: close it along the pole's latitude
        pole = 90.0 if pole_lat >= 0 else -90.0
        first = unwrapped[0][0] + winding
        unwrapped = [*unwrapped, (first, unwrapped[0][1]), (first, pole), (unwrapped[0][0], pole)]
    shape = shapely.make_valid(Polygon(unwrapped))
    pieces: list[Polygon] = []
    for shift in (-360.0, 0.0, 360.0):  # the copies of the world the unwrapped ring reaches
        part = shape.intersection(box(-180 - shift, -90, 180 - shift, 90))
        part = shapely.transform(part, lambda xy, s=shift: xy + [s, 0])
        pieces += [p for p in getattr(part, "geoms", [part]) if isinstance(p, Polygon)]
    # A polar ring's copies meet along the meridian of its first vertex: merge them there, so
    # only the cut at ±180° separates parts (parts sharing an edge make an invalid MultiPolygon).
    merged = shapely.union_all(shapely.set_precision(pieces, 1e-9))
    pieces = [orient(p, 1.0) for p in getattr(merged, "geoms", [merged]) if isinstance(p, Polygon)]
    if len(pieces) == 1:
        return {"type": "Polygon", "coordinates": [_closed(list(pieces[0].exterior.coords)[:-1])]}
    parts = [[_closed(list(p.exterior.coords)[:-1])] for p in pieces]
    return {"type": "MultiPolygon", "coordinates": parts}


def cell_geometry(cell_id: int) -> dict[str, Any]:
    """The cell as a GeoJSON geometry (split at the antimeridian, CCW)."""
    _, lat = h3index.center(cell_id)
    return split_ring(h3index.boundary(cell_id), pole_lat=lat)


# Larger than the most cells one heatmap may hold (geo.heatmap.MAX_CELLS), so a repeated big
# heatmap never evicts its own cells; ~250 bytes a cell, ~30 MB when full.
_CACHED_CELLS = 120_000


@lru_cache(maxsize=_CACHED_CELLS)
def cell_geometry_json(cell_id: int) -> str:
    """``cell_geometry`` as compact JSON text, cached: a heatmap redraws the same cells on every
    request, and building and serialising a polygon costs far more than the lookup."""
    return json.dumps(cell_geometry(cell_id), separators=(",", ":"))
