"""The basemap every map draws: Natural Earth countries from the database, so pages and static
images need no tile server (they work offline, in CI and on a newsroom's own CDN).

Simplification follows the drawing scale: a tolerance of about one pixel at the map's widest
view, and coordinates rounded to the decimals that tolerance can show.
"""

from __future__ import annotations

import math

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.db import load_sql
from geo.errors import InvalidInput

Box = tuple[float, float, float, float]  # minx, miny, maxx, maxy (minx < maxx)

WORLD_TOLERANCE_DEG = 0.08  # world maps ~1,000 px wide: ~0.35° a pixel; small islands survive


def tolerance_for(box: Box | None, width_px: int) -> float:
    """About half a pixel in degrees when ``box`` is drawn ``width_px`` wide."""
    if box is None:
        return WORLD_TOLERANCE_DEG
    span = max(box[2] - box[0], (box[3] - box[1]) * 1.3, 0.5)
    return max(span / max(width_px, 1) / 2, 0.001)


def countries_geojson(
    conn: Connection, *, box: Box | None = None, tolerance_deg: float = WORLD_TOLERANCE_DEG
) -> str:
    """A FeatureCollection (text) of the countries (``code``, ``name``), simplified by
    ``tolerance_deg`` and clipped to ``box`` when given; counter-clockwise outer rings."""
    if not 0 < tolerance_deg <= 5:
        raise InvalidInput(
            f"tolerance must be in (0, 5] degrees; got {tolerance_deg}", parameter="tolerance"
        )
    decimals = min(6, max(1, math.ceil(-math.log10(tolerance_deg)) + 1))
    minx, miny, maxx, maxy = box if box is not None else (None, None, None, None)
    params = {
        "tolerance": tolerance_deg,
        "decimals": decimals,
        "minx": minx,
        "miny": miny,
        "maxx": maxx,
        "maxy": maxy,
    }
    return str(conn.execute(sa.text(load_sql("geo", "basemap_countries.sql")), params).scalar_one())
