"""H3 cells for incident points.

The only module that knows h3 takes ``(lat, lng)``: everything else in Crossings passes
``(lon, lat)`` like PostGIS does. Cells are stored as BIGINT (an H3 index always has its top bit
clear, so it fits a signed 64-bit integer).
"""

from __future__ import annotations

from collections.abc import Iterable

import h3.api.basic_int as _h3

DEFAULT_RES = 9


def cell(lon: float, lat: float, res: int = DEFAULT_RES) -> int:
    """The H3 cell containing the point, as an integer."""
    return int(_h3.latlng_to_cell(lat, lon, res))


def cells(points: Iterable[tuple[float, float]], res: int = DEFAULT_RES) -> list[int]:
    """Cells for many ``(lon, lat)`` points; one C call per point, no Python objects per cell."""
    to_cell = _h3.latlng_to_cell
    return [to_cell(lat, lon, res) for lon, lat in points]


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
