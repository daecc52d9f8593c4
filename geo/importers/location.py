"""How precise an imported point is: precision class, uncertainty radius, H3 resolution.

Rule (docs/import.md, "Location precision"): a source's own ``location_precision`` /
``uncertainty_m`` win when valid; otherwise the uncertainty is the larger of the source's default
and the grid step the coordinate's decimals can express, and the class follows from the radius.
Never ``exact`` by inference for MMP: its points are town centroids and rough positions at sea.
"""

from __future__ import annotations

import math
import re
from typing import Any

from geo import h3index
from geo.importers.base import Issues
from geo.repo.filters import PRECISIONS

# Radius taken for a class the source names without a radius (a judgement, documented).
CLASS_RADIUS_M = {
    "exact": 30.0,
    "site": 500.0,
    "locality": 5_000.0,
    "admin": 50_000.0,
    "country": 500_000.0,
    "sea_area": 100_000.0,
}
# Inferred class: the first whose upper bound holds the radius; beyond the last, "country".
CLASS_BOUNDS_M = (("exact", 100.0), ("site", 1_000.0), ("locality", 25_000.0), ("admin", 250_000.0))
# Floor of the inferred radius per importer: what the source's points usually mean.
SOURCE_DEFAULT_M = {"mmp": 5_000.0, "csv": 1_000.0, "geojson": 1_000.0}
MAX_UNCERTAINTY_M = 20_040_000.0  # half the equator: no point is less known than that
# Half the diagonal of a grid cell one unit of the last decimal wide, at the equator.
_HALF_DIAGONAL_M = 111_320.0 * math.sqrt(2) / 2
_PLAIN_PAIR = re.compile(r"^\s*[-+]?\d+(?:\.(\d*))?\s*[,;\s]\s*[-+]?\d+(?:\.(\d*))?\s*$")
_WKT_PAIR = re.compile(r"\(\s*[-+]?\d+(?:\.(\d*))?\s+[-+]?\d+(?:\.(\d*))?")

Located = tuple[str, float, int]  # (precision, uncertainty_m, h3_res)


def precision_for(uncertainty_m: float) -> str:
    """The class a radius falls in when the source names none."""
    for name, bound in CLASS_BOUNDS_M:
        if uncertainty_m <= bound:
            return name
    return "country"


def decimals(number: str) -> int:
    """Significant decimals of a written number: ``"16.974168900000"`` → 7 (MMP pads to 12)."""
    _, dot, frac = number.strip().partition(".")
    return len(frac.rstrip("0")) if dot else 0


def text_decimals(text: str | None) -> int | None:
    """The coarser axis's decimals of a ``lat, lon`` / WKT pair; ``None`` for other notations
    (DMS, GeoJSON text), where only the source default applies."""
    if not text:
        return None
    m = _PLAIN_PAIR.match(text) or _WKT_PAIR.search(text)
    if m is None:
        return None
    return min(len((g or "").rstrip("0")) for g in m.groups())


def float_decimals(value: float) -> int:
    """Decimals of a parsed JSON number as written (shortest repr), e.g. 12.5 → 1."""
    return decimals(repr(float(value))) if math.isfinite(value) else 0


def grid_m(n_decimals: int) -> float:
    """Radius the number's last decimal leaves open: 0 decimals ≈ 79 km, 2 ≈ 790 m."""
    return _HALF_DIAGONAL_M * 10.0 ** (-n_decimals)


class Inferred:
    """Cached ``decimals -> (precision, uncertainty_m, h3_res)`` for one source default.

    ``table`` holds decimals ``0..TABLE_SIZE-1`` for per-row loops that index it directly.
    """

    TABLE_SIZE = 40

    def __init__(self, default_m: float) -> None:
        self.default_m = default_m
        self._cache: dict[int | None, Located] = {}
        self.table = [self(n) for n in range(self.TABLE_SIZE)]

    def __call__(self, n_decimals: int | None) -> Located:
        hit = self._cache.get(n_decimals)
        if hit is None:
            radius = self.default_m
            if n_decimals is not None:
                radius = max(radius, grid_m(n_decimals))
            radius = round(radius, 1)
            hit = (precision_for(radius), radius, h3index.resolution_for_uncertainty(radius))
            self._cache[n_decimals] = hit
        return hit


def given(
    precision: Any,
    uncertainty: Any,
    n_decimals: int | None,
    infer: Inferred,
    row: int,
    issues: Issues,
) -> Located:
    """Precision from the source's own values where valid (a warning names each bad one),
    completed by the inference rule for what is missing."""
    p = _precision(precision, row, issues)
    u = _uncertainty(uncertainty, row, issues)
    if p is None and u is None:
        return infer(n_decimals)
    floor = grid_m(n_decimals) if n_decimals is not None else 0.0
    if u is None:
        assert p is not None
        u = CLASS_RADIUS_M[p]
    radius = round(max(u, floor), 1)
    return (p or precision_for(radius), radius, h3index.resolution_for_uncertainty(radius))


def _precision(value: Any, row: int, issues: Issues) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip().lower()
    if text in PRECISIONS:
        return text
    issues.warn(
        row,
        "location_precision",
        f"{value!r} is not one of {', '.join(PRECISIONS)}; inferred from the coordinates",
        "bad location_precision ignored",
    )
    return None


def _uncertainty(value: Any, row: int, issues: Issues) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(str(value).strip()) if not isinstance(value, bool) else math.nan
    except ValueError:
        number = math.nan
    if math.isfinite(number) and 0 <= number <= MAX_UNCERTAINTY_M:
        return number
    issues.warn(
        row,
        "uncertainty_m",
        f"{value!r} is not a radius in metres (0 to {MAX_UNCERTAINTY_M:.0f}); "
        "inferred from the coordinates",
        "bad uncertainty_m ignored",
    )
    return None
