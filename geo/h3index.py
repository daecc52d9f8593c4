"""H3 cells for incident points.

The only module that knows h3 takes ``(lat, lng)``: everything else in Crossings passes
``(lon, lat)`` like PostGIS does. Cells are stored as BIGINT (an H3 index always has its top bit
clear, so it fits a signed 64-bit integer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import h3.api.basic_int as _h3

try:  # the Cython core, one call layer less on the bulk path; public API otherwise
    from h3._cy import latlng_to_cell as _latlng_to_cell
except ImportError:  # pragma: no cover - depends on the installed h3 build
    _latlng_to_cell = _h3.latlng_to_cell

DEFAULT_RES = 9


def cell(lon: float, lat: float, res: int = DEFAULT_RES) -> int:
    """The H3 cell containing the point, as an integer."""
    return int(_h3.latlng_to_cell(lat, lon, res))


def cells(points: Iterable[tuple[float, float]], res: int = DEFAULT_RES) -> list[int]:
    """Cells for many ``(lon, lat)`` points: one C call per point, nothing else."""
    to_cell = _latlng_to_cell
    return [int(to_cell(lat, lon, res)) for lon, lat in points]


def cell_function(res: int = DEFAULT_RES) -> Callable[[float, float], int]:
    """A ``(lon, lat) -> cell`` function for per-row loops, with the least call overhead."""

    def to_cell(lon: float, lat: float, _cy: Any = _latlng_to_cell, _res: int = res) -> int:
        return int(_cy(lat, lon, _res))

    return to_cell


def cell_at_function() -> Callable[[float, float, int], int]:
    """A ``(lon, lat, res) -> cell`` function for per-row loops whose resolution varies."""

    def to_cell(lon: float, lat: float, res: int, _cy: Any = _latlng_to_cell) -> int:
        return int(_cy(lat, lon, res))

    return to_cell


# Average hexagon edge length (m) per resolution 0..MAX_STORED_RES, coarsest first.
EDGE_M = tuple(float(_h3.average_hexagon_edge_length(r, "m")) for r in range(10))
MAX_STORED_RES = 9


def resolution_for_uncertainty(uncertainty_m: float | None) -> int:
    """The resolution ``incidents.h3_cell`` is stored at: the finest r in 0..9 whose average
    hexagon edge is at least the uncertainty radius.

    A record known only to ±20 km is not pinned to a 200 m cell; heatmaps rely on this exact
    rule (the CONTRACT of ``h3_res``). ``None`` or below the res-9 edge: 9; larger than every
    edge: 0.

    >>> resolution_for_uncertainty(None), resolution_for_uncertainty(5_000)
    (9, 5)
    """
    if uncertainty_m is None:
        return MAX_STORED_RES
    for res in range(MAX_STORED_RES, -1, -1):
        if EDGE_M[res] >= uncertainty_m:
            return res
    return 0


def to_hex(cell_id: int) -> str:
    """The canonical lowercase hex string (what h3 tools and web maps show)."""
    return _h3.int_to_str(cell_id)


def from_hex(text: str) -> int:
    """Integer form of a hex cell id; ``ValueError`` when it is not a valid cell."""
    value = int(text, 16)
    if not _h3.is_valid_cell(value):
        raise ValueError(f"not a valid H3 cell: {text!r}")
    return value


def resolution(cell_id: int) -> int:
    return int(_h3.get_resolution(cell_id))


def center(cell_id: int) -> tuple[float, float]:
    """``(lon, lat)`` of the cell's centre."""
    lat, lon = _h3.cell_to_latlng(cell_id)
    return lon, lat


# --- Hierarchy (coordinate-free; used by geo.heatmap to spread coarse cells) -------------------


def parent(cell_id: int, res: int) -> int:
    """The ancestor of the cell at ``res`` (the cell itself at its own resolution)."""
    return int(_h3.cell_to_parent(cell_id, res))


def children(cell_id: int, res: int) -> list[int]:
    """The descendants of the cell at ``res``: 7 per level, 6 below a pentagon."""
    return [int(c) for c in _h3.cell_to_children(cell_id, res)]


def children_count(cell_id: int, res: int) -> int:
    """``len(children(cell_id, res))`` without building the list (guards against explosion)."""
    return int(_h3.cell_to_children_size(cell_id, res))


def is_pentagon(cell_id: int) -> bool:
    return bool(_h3.is_pentagon(cell_id))


def pentagons(res: int) -> list[int]:
    """The 12 pentagon cells at ``res``."""
    return [int(c) for c in _h3.get_pentagons(res)]


def boundary(cell_id: int) -> list[tuple[float, float]]:
    """The cell's vertices as ``(lon, lat)``, open ring (first vertex not repeated).

    Longitudes are h3's, in -180..180: a cell that straddles the antimeridian jumps from +180
    to -180 between two vertices; ``geo.hexagons`` turns that into valid GeoJSON.
    """
    return [(lon, lat) for lat, lon in _h3.cell_to_boundary(cell_id)]


def neighbours(cell_id: int) -> list[int]:
    """The cells sharing an edge with this one (6, or 5 around a pentagon), sorted."""
    return sorted(int(c) for c in _h3.grid_ring(cell_id, 1))
