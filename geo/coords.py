"""Coordinate parsing for the shapes people type into spreadsheets.

Pure functions. Everything returns ``(lon, lat)`` (x, y) or ``None`` when the text says "no
coordinates"; anything that looks like coordinates but cannot be trusted raises
``CoordinateError`` with a reason a person can act on. Pairs without hemisphere letters are read
in ``lat, lon`` order, the order MMP and most spreadsheets use.
"""

from __future__ import annotations

import json
import math
import re

TINY = 1e-9  # degrees (0.1 mm): a coordinate nearer to 0 is read as 0
NONE_MARKERS = frozenset({"", "0", "null", "none", "n/a", "na", "nan", "-", "unknown", "?"})


class CoordinateError(ValueError):
    """Text that claims to be a coordinate but is not a usable one.

    The reason echoes at most two decimals of any number (about 1 km): reasons are printed,
    logged and kept in ``import_runs``, and where a person died or was pushed back is sensitive.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(_FINE_DECIMALS.sub(r"\1…", reason))


# A number's decimals past the second, cut from the reasons above.
_FINE_DECIMALS = re.compile(r"(\d[.,]\d\d)\d+")


_NUM = r"\d+(?:[.,]\d+)?"
_HALF = re.compile(
    rf"""^\s*(?P<h1>[NSEW])?\s*(?P<sign>[-+])?\s*(?P<deg>{_NUM})\s*(?:°|deg\b|d\b)?
    (?:\s*(?P<min>{_NUM})\s*(?:'|min\b|m\b)?)?
    (?:\s*(?P<sec>{_NUM})\s*(?:"|sec\b|s\b)?)?
    \s*(?P<h2>[NSEW])?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)
_WKT = re.compile(
    r"^\s*POINT\s*(?:Z|M|ZM)?\s*\(\s*([-+]?[\d.eE+-]+)\s+([-+]?[\d.eE+-]+)(?:\s+[-+]?[\d.eE+-]+)*"
    r"\s*\)\s*$",
    re.IGNORECASE,
)
_HEMI = re.compile(r"(?<![A-Za-z])[NSEWnsew](?![A-Za-z])")
_DEG_START = re.compile(r"[-+]?\d+(?:[.,]\d+)?\s*°")
_QUOTES = str.maketrans({"′": "'", "’": "'", "‘": "'", "″": '"', "”": '"', "“": '"', "º": "°"})


def check_range(lon: float, lat: float) -> tuple[float, float]:
    """The point itself, or why it is not a point on Earth. A value nearer to 0 than ``TINY``
    is 0: PostgreSQL's float arithmetic fails on such values (underflow), failing the import."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise CoordinateError("coordinate is not a finite number")
    if not -90.0 <= lat <= 90.0:
        raise CoordinateError(f"latitude {lat:g} out of range [-90, 90]")
    if not -180.0 <= lon <= 180.0:
        raise CoordinateError(f"longitude {lon:g} out of range [-180, 180]")
    if 0.0 < abs(lon) < TINY:
        lon = 0.0
    if 0.0 < abs(lat) < TINY:
        lat = 0.0
    return lon, lat


def parse_point(text: str | None) -> tuple[float, float] | None:
    """``(lon, lat)`` from any supported notation; ``None`` for a "no coordinates" marker."""
    if text is None:
        return None
    s = text.strip()
    if s.lower() in NONE_MARKERS:
        return None
    # Fast path: "lat, lon" in plain decimals, the MMP shape.
    parts = s.split(",")
    if len(parts) == 2:
        try:
            lat, lon = float(parts[0]), float(parts[1])
        except ValueError:
            pass
        else:
            return check_range(lon, lat)
    if s[0] == "{":
        return _geojson(s)
    if s[:5].upper() == "POINT":
        m = _WKT.match(s)
        if not m:
            raise CoordinateError(f"unreadable WKT point {s!r}")
        return check_range(_float(m.group(1)), _float(m.group(2)))
    if not any(c.isdigit() for c in s):
        raise CoordinateError(f"no numbers in coordinate {s!r}")
    return _pair(s.translate(_QUOTES).replace("''", '"'))


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise CoordinateError(f"not a number: {text!r}") from None


def _geojson(s: str) -> tuple[float, float]:
    try:
        obj = json.loads(s)
    except ValueError:
        raise CoordinateError("unreadable GeoJSON") from None
    return point_from_geojson(obj)


def point_from_geojson(obj: object) -> tuple[float, float]:
    """``(lon, lat)`` of a GeoJSON Point geometry object."""
    if not isinstance(obj, dict) or obj.get("type") != "Point":
        kind = obj.get("type") if isinstance(obj, dict) else type(obj).__name__
        raise CoordinateError(f"geometry is {kind!r}, not a Point")
    coords = obj.get("coordinates")
    if (
        not isinstance(coords, list | tuple)
        or len(coords) < 2
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords[:2])
    ):
        raise CoordinateError("Point coordinates must be [lon, lat] numbers")
    return check_range(float(coords[0]), float(coords[1]))


def _split(s: str) -> tuple[str, str]:
    """Cut a pair into its two halves, whatever separates them."""
    letters = list(_HEMI.finditer(s))
    if len(letters) == 2:
        first, second = letters
        rest = s[first.end() :]
        if not s[: first.start()].strip():  # letters lead: "N 31 39 1 W 110 21 59"
            return s[: second.start()], s[second.start() :]
        return s[: first.end()], rest
    if ";" in s:
        a, _, b = s.partition(";")
        return a, b
    if "°" in s:
        starts = list(_DEG_START.finditer(s))
        if len(starts) == 2:
            return s[: starts[1].start()].rstrip(" ,/"), s[starts[1].start() :]
    if s.count(", ") == 1:
        a, _, b = s.partition(", ")
        return a, b
    if s.count(",") == 1 and "." in s:
        a, _, b = s.partition(",")
        return a, b
    tokens = s.replace(",", " ").split() if "." in s else s.split()
    if len(tokens) == 2:
        return tokens[0], tokens[1]
    raise CoordinateError(f"cannot tell latitude from longitude in {s!r}")


def _pair(s: str) -> tuple[float, float]:
    a, b = _split(s)
    va, axis_a = _half(a)
    vb, axis_b = _half(b)
    if axis_a == "lon" or axis_b == "lat":
        if axis_a == axis_b:
            both = "latitudes" if axis_a == "lat" else "longitudes"
            raise CoordinateError(f"both halves are {both} in {s!r}")
        return check_range(va, vb)
    if axis_a == axis_b == "lat":
        raise CoordinateError(f"both halves are latitudes in {s!r}")
    return check_range(vb, va)


def _half(text: str) -> tuple[float, str | None]:
    """One signed decimal-degree value, and 'lat'/'lon' when a hemisphere letter says so."""
    text = text.strip(" ,;/")
    m = _HALF.match(text)
    if not m:
        raise CoordinateError(f"unreadable coordinate {text.strip()!r}")
    h1, h2 = m.group("h1"), m.group("h2")
    if h1 and h2:
        raise CoordinateError(f"two hemisphere letters in {text.strip()!r}")
    hemi = (h1 or h2 or "").upper()
    deg = float(m.group("deg").replace(",", "."))
    minutes = float(m.group("min").replace(",", ".")) if m.group("min") else 0.0
    seconds = float(m.group("sec").replace(",", ".")) if m.group("sec") else 0.0
    if m.group("min") and not deg.is_integer():
        raise CoordinateError(f"fractional degrees with minutes in {text.strip()!r}")
    if m.group("sec") and not minutes.is_integer():
        raise CoordinateError(f"fractional minutes with seconds in {text.strip()!r}")
    if minutes >= 60 or seconds >= 60:
        raise CoordinateError(f"minutes/seconds must be below 60 in {text.strip()!r}")
    value = deg + minutes / 60.0 + seconds / 3600.0
    if m.group("sign") == "-":
        value = -value
    if hemi in ("S", "W"):
        if m.group("sign") == "-":
            raise CoordinateError(f"both a minus sign and {hemi} in {text.strip()!r}")
        value = -value
    axis = "lat" if hemi in ("N", "S") else "lon" if hemi in ("E", "W") else None
    return value, axis
