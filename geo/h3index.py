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
