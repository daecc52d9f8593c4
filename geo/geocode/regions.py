"""Rough boxes for the region names of MMP exports, used only to break ties between
same-name places ("Tripoli" in a Mediterranean record is the Libyan one)."""

from __future__ import annotations

from geo.geocode.text import fold

# (south, west, north, east) in degrees; a region may need several boxes.
Box = tuple[float, float, float, float]

REGION_BOXES: dict[str, tuple[Box, ...]] = {
    "mediterranean": ((29.0, -7.0, 46.5, 37.0),),
    "north africa": ((14.0, -18.0, 38.0, 37.0),),
    "northern africa": ((14.0, -18.0, 38.0, 37.0),),
    "sub saharan africa": ((-35.0, -18.0, 20.0, 52.0),),
    "horn of africa": ((-2.0, 32.0, 19.0, 55.0),),
    "eastern africa": ((-27.0, 28.0, 19.0, 55.0),),
    "middle africa": ((-18.0, 8.0, 24.0, 32.0),),
    "western africa": ((4.0, -26.0, 28.0, 16.0),),
    "southern africa": ((-35.0, 11.0, -15.0, 41.0),),
    "europe": ((34.0, -25.0, 72.0, 45.0),),
    "middle east": ((12.0, 25.0, 42.0, 63.0),),
    "western asia": ((12.0, 25.0, 44.0, 63.0),),
    "south asia": ((5.0, 44.0, 40.0, 93.0),),
    "southern asia": ((5.0, 44.0, 40.0, 93.0),),
    "southeast asia": ((-11.0, 88.0, 29.0, 141.0),),
    "south eastern asia": ((-11.0, 88.0, 29.0, 141.0),),
    "east asia": ((18.0, 73.0, 54.0, 146.0),),
    "eastern asia": ((18.0, 73.0, 54.0, 146.0),),
    "central asia": ((35.0, 46.0, 56.0, 88.0),),
    "us mexico border": ((24.0, -118.5, 34.5, -96.5),),
    "north america": ((14.0, -170.0, 72.0, -52.0),),
    "northern america": ((24.0, -170.0, 72.0, -52.0),),
    "central america": ((7.0, -118.0, 33.0, -77.0),),
    "caribbean": ((10.0, -86.0, 28.0, -59.0),),
    "south america": ((-56.0, -82.0, 13.0, -34.0),),
    "latin america caribbean": ((-56.0, -118.0, 33.0, -34.0),),
}


def region_boxes(region: str | None) -> tuple[Box, ...]:
    """Boxes of an MMP region name, or none when the name is unknown or empty."""
    if not region:
        return ()
    return REGION_BOXES.get(fold(region), ())


def in_boxes(lat: float, lon: float, boxes: tuple[Box, ...], radius_m: float = 0.0) -> bool:
    """Whether the point, or its circle of ``radius_m``, reaches into any of the boxes.

    The circle is approximated by widening the boxes by the radius in degrees of latitude,
    which is generous away from the equator; good enough for a tie-breaker.
    """
    pad = radius_m / 111_000.0
    return any(s - pad <= lat <= n + pad and w - pad <= lon <= e + pad for s, w, n, e in boxes)
