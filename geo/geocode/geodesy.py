"""Geodesic helpers on the WGS84 ellipsoid (pyproj.Geod), so offsets and midpoints stay
correct far from the equator and over long sea distances."""

from __future__ import annotations

from functools import cache

from pyproj import Geod

BEARINGS: dict[str, float] = {
    "north": 0.0,
    "n": 0.0,
    "northeast": 45.0,
    "ne": 45.0,
    "east": 90.0,
    "e": 90.0,
    "southeast": 135.0,
    "se": 135.0,
    "south": 180.0,
    "s": 180.0,
    "southwest": 225.0,
    "sw": 225.0,
    "west": 270.0,
    "w": 270.0,
    "northwest": 315.0,
    "nw": 315.0,
    # Secondary points (16-wind rose): "SSE", "north-northwest" (hyphens fold to a space).
    "nne": 22.5,
    "north northeast": 22.5,
    "ene": 67.5,
    "east northeast": 67.5,
    "ese": 112.5,
    "east southeast": 112.5,
    "sse": 157.5,
    "south southeast": 157.5,
    "ssw": 202.5,
    "south southwest": 202.5,
    "wsw": 247.5,
    "west southwest": 247.5,
    "wnw": 292.5,
    "west northwest": 292.5,
    "nnw": 337.5,
    "north northwest": 337.5,
}


@cache
def _geod() -> Geod:
    return Geod(ellps="WGS84")


def destination(
    lat: float, lon: float, bearing_deg: float, distance_m: float
) -> tuple[float, float]:
    """Point reached from (lat, lon) after ``distance_m`` along ``bearing_deg`` (from north).

    Examples
    --------
    >>> lat, lon = destination(0.0, 0.0, 0.0, 111_320.0)
    >>> round(lat, 2), round(lon, 2)
    (1.01, 0.0)
    """
    lon2, lat2, _ = _geod().fwd(lon, lat, bearing_deg, distance_m)
    return float(lat2), float(lon2)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance in metres."""
    _, _, dist = _geod().inv(lon1, lat1, lon2, lat2)
    return float(dist)


def midpoint(lat1: float, lon1: float, lat2: float, lon2: float) -> tuple[float, float, float]:
    """Geodesic midpoint of two points and half the distance between them (metres)."""
    az, _, dist = _geod().inv(lon1, lat1, lon2, lat2)
    lat, lon = destination(lat1, lon1, float(az), float(dist) / 2)
    return lat, lon, float(dist) / 2
