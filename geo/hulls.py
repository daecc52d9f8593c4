"""Outlines and centres of groups of lon/lat points that draw correctly anywhere on the globe.

A hull computed on raw longitudes joins 179.9° and -179.9° across the whole map (a sliver around
the world). Here each group is drawn in a local frame centred on it: longitudes are unwrapped
around the group's circular mean and scaled by cos(latitude), so a degree means the same
distance on both axes. The hull is built there and mapped back; a part beyond ±180° is cut at
the antimeridian and shifted onto the map, giving a MultiPolygon whose pieces meet at 180°.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
import shapely.affinity
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.polygon import orient

KM_PER_DEGREE = 6371.0088 * math.pi / 180  # mean Earth radius (IUGG), one degree of arc
_WORLD = box(-180.0, -90.0, 180.0, 90.0)
_MIN_SCALE = 0.05  # cos(87°): keeps the local frame finite near the poles
_DECIMALS = 1e-6  # ≈ 0.1 m, as the API serves coordinates

Floats = NDArray[np.float64]


def circular_mean_lon(lon: Floats, weight: Floats | None = None) -> float:
    """The mean longitude on the circle: 179° and -179° average to 180°, not 0°."""
    rad = np.radians(lon)
    w = np.ones_like(rad) if weight is None else weight
    return float(np.degrees(np.arctan2((w * np.sin(rad)).sum(), (w * np.cos(rad)).sum())))


def spherical_centroid(lon: Floats, lat: Floats, weight: Floats) -> tuple[float, float]:
    """The weighted mean position on the sphere (mean of unit vectors), as (lon, lat)."""
    phi, lam = np.radians(lat), np.radians(lon)
    x = (weight * np.cos(phi) * np.cos(lam)).sum()
    y = (weight * np.cos(phi) * np.sin(lam)).sum()
    z = (weight * np.sin(phi)).sum()
    lon_c = math.degrees(math.atan2(y, x))
    lat_c = math.degrees(math.atan2(z, math.hypot(x, y)))
    return round(lon_c, 6), round(lat_c, 6)


def hull(
    lon: Floats, lat: Floats, *, ratio: float = 0.4, margin_km: float = 1.0
) -> Polygon | MultiPolygon:
    """A concave hull of the points (``ratio`` as in shapely: 1 is convex), valid, with
    counter-clockwise outer rings (RFC 7946), split at the antimeridian when it crosses it.

    Points on one spot or one line have no area: they get a ``margin_km`` outline so the
    group still draws as a shape.
    """
    lon0 = circular_mean_lon(lon)
    lat0 = float(np.mean(lat))
    scale = max(math.cos(math.radians(lat0)), _MIN_SCALE)
    x = (((lon - lon0 + 180.0) % 360.0) - 180.0) * scale
    y = lat - lat0
    shape = shapely.concave_hull(shapely.multipoints(np.column_stack([x, y])), ratio=ratio)
    if not isinstance(shape, Polygon) or shape.area == 0:
        shape = shape.buffer(margin_km / KM_PER_DEGREE, quad_segs=4)

    def to_lon_lat(xy: Floats) -> Floats:
        return np.column_stack([xy[:, 0] / scale + lon0, np.clip(xy[:, 1] + lat0, -90, 90)])

    return _on_the_map(shapely.transform(shape, to_lon_lat))


def _on_the_map(shape: Polygon) -> Polygon | MultiPolygon:
    """The shape cut to -180..180, the parts beyond it shifted by 360° (and made valid)."""
    parts: list[Polygon] = []
    for shift in (0.0, -360.0, 360.0):
        moved = shapely.affinity.translate(shape, xoff=shift) if shift else shape
        piece = shapely.set_precision(moved.intersection(_WORLD), _DECIMALS)
        parts += [p for p in getattr(piece, "geoms", [piece]) if isinstance(p, Polygon)]
    parts = [orient(p, sign=1.0) for p in parts if not p.is_empty]
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)
