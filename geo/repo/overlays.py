"""Reference layers drawn on map pages: corridors, land borders and sea routes, simplified in
PostGIS for the scale they are drawn at (the /ogc collections serve them at full precision).

Each is one GeoJSON FeatureCollection text with the names a tooltip shows; at the world view
the three weigh about 0.2 MB together instead of 1.8 MB.
"""

from __future__ import annotations

import math
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.db import load_sql
from geo.errors import InvalidInput

Overlay = Literal["corridors", "land_borders", "sea_routes"]
OVERLAYS: tuple[Overlay, ...] = ("corridors", "land_borders", "sea_routes")
MAP_TOLERANCE_DEG = 0.02  # about a pixel at zoom 4: outlines stay smooth a few zooms in


def overlay_geojson(
    conn: Connection, layer: Overlay, *, tolerance_deg: float = MAP_TOLERANCE_DEG
) -> str:
    """``layer`` as a FeatureCollection text, simplified by ``tolerance_deg``."""
    if layer not in OVERLAYS:
        raise InvalidInput(f"layer must be one of {', '.join(OVERLAYS)}", parameter="layer")
    if not 0 < tolerance_deg <= 5:
        raise InvalidInput(
            f"tolerance must be in (0, 5] degrees; got {tolerance_deg}", parameter="tolerance"
        )
    decimals = min(6, max(1, math.ceil(-math.log10(tolerance_deg)) + 1))
    query = sa.text(load_sql("geo", f"overlay_{layer}.sql"))
    params = {"tolerance": tolerance_deg, "decimals": decimals}
    return str(conn.execute(query, params).scalar_one())
