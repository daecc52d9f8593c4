"""Enrichment by cells gives exactly what the per-point lookup gives.

``geo.enrich.lookup_points`` settles most of the work once per grid cell (enrich_cell*.sql) and
looks up lone points with ``pg_temp.enrich_point`` (enrich_points.sql). Here both answers are
computed for the same points and compared, every column including ``sea_area``: the sample's
coordinates, 20,000 random points worldwide in small clusters (so their cells take the cell path),
clusters at sea, clusters either side of the |x| = 170 band where the per-point lookup starts
searching across the antimeridian, points at ±180, and points on cell edges. The random points
are SYNTHETIC test input, not incidents.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from sqlalchemy.engine import Connection

import geo.enrich
from geo.coords import CoordinateError, parse_point
from geo.db import load_sql, raw_cursor

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample" / "mmp_export_2014_2017.csv"


def _sample_points() -> list[tuple[float, float]]:
    points = []
    with SAMPLE.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            try:
                point = parse_point(row["Location Coordinates"])
            except CoordinateError:
                continue
            if point is not None:
                points.append(point)
    return points


# Straits, seas and oceans (cells fixed to one sea area, or split between two), and the band edge
# |x| = 170 near land and islands (Fiji, the Aleutians, Chukotka, Tonga).
SEAS = [
    (14.3, 35.9),
    (-5.6, 35.95),
    (12.0, 43.5),
    (26.0, 38.5),
    (32.5, 31.6),
    (43.3, 12.6),
    (-1.5, 50.2),
    (1.5, 51.0),
    (29.0, 41.1),
    (-40.0, 30.0),
    (80.0, -20.0),
    (-150.0, 0.0),
    (-60.0, 15.0),
    (103.8, 1.2),
    (56.5, 26.5),
    (-87.0, 21.5),
    (12.6, 56.0),
    (-30.0, -55.0),
]
BAND = [
    (170.0, -17.0),
    (-170.0, -17.0),
    (169.95, 52.0),
    (-169.95, 52.5),
    (170.05, 60.0),
    (-170.0, 66.0),
    (-170.05, -19.0),
    (175.0, -17.5),
    (-175.0, -21.0),
    (179.9, 51.5),
]


def _synthetic_points(n: int = 20_000, seed: int = 7) -> list[tuple[float, float]]:
    rnd = random.Random(seed)
    points: list[tuple[float, float]] = []
    while len(points) < n:  # clusters of 10 within ~0.1°, centres anywhere
        cx, cy = rnd.uniform(-180, 180), rnd.uniform(-60, 75)
        for _ in range(10):
            x = min(180.0, max(-180.0, cx + rnd.gauss(0, 0.05)))
            points.append((x, min(85.0, max(-85.0, cy + rnd.gauss(0, 0.05)))))
    for cx, cy in SEAS + BAND:  # clusters of 10 within ~0.1° at known places
        for _ in range(10):
            points.append((cx + rnd.gauss(0, 0.05), cy + rnd.gauss(0, 0.05)))
    for y in (-17.5, 51.0, 65.8, 66.0, 68.5):  # Fiji, Bering Strait, Chukotka: either side of ±180
        for x in (-180.0, -179.99, -179.95, 179.95, 179.99, 180.0, -170.0, 170.0):
            points += [(x, y)] * 3
    points += [(round(x, 1), round(y, 1)) for x, y in points[:500]]  # on cell edges and corners
    return points


def _compare(conn: Connection, points: list[tuple[float, float]]) -> tuple[dict[str, int], list]:
    """The rows where the two lookups differ, and counts of the paths the points took."""
    conn.exec_driver_sql("CREATE TEMP TABLE cmp_points (x float8, y float8)")
    with raw_cursor(conn).copy("COPY cmp_points (x, y) FROM STDIN") as copy:
        for point in points:
            copy.write_row(point)
    tables = geo.enrich.lookup_points(conn, "SELECT DISTINCT x, y FROM pg_temp.cmp_points")
    counts = (
        conn.exec_driver_sql(
            f"""
        WITH placed AS (
            SELECT u.x, u.y, b.cx, b.sea_fixed
            FROM {tables.batches} b, unnest(b.xs, b.ys) AS u (x, y)
        )
        SELECT (SELECT count(*) FROM {tables.cells}) AS cells,
               (SELECT count(*) FROM {tables.cells} WHERE sea_fixed AND sea_area IS NOT NULL)
                   AS sea_fixed_cells,
               count(*) FILTER (WHERE p.cx IS NOT NULL AND r.sea_area IS NOT NULL
                                AND p.sea_fixed) AS cell_sea_fixed,
               count(*) FILTER (WHERE p.cx IS NOT NULL AND r.sea_area IS NOT NULL
                                AND NOT p.sea_fixed) AS cell_sea_per_point,
               count(*) FILTER (WHERE p.cx IS NULL AND abs(p.x) > 170) AS wrapped,
               count(*) FILTER (WHERE p.cx IS NOT NULL AND abs(p.x) BETWEEN 169 AND 170)
                   AS band_edge_cells,
               count(*) AS looked_up
        FROM placed p JOIN {tables.result} r USING (x, y)
        """
        )
        .one()
        ._asdict()
    )
    conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {geo.enrich.FUNCTIONS}")
    conn.exec_driver_sql(load_sql("geo", "enrich_points.sql"))
    diff = conn.exec_driver_sql(
        f"""
        SELECT pt.x, pt.y, n.*, o.*
        FROM {tables.points} pt
        CROSS JOIN LATERAL pg_temp.enrich_point(pt.x, pt.y) o
        LEFT JOIN {tables.result} n ON n.x = pt.x AND n.y = pt.y
        WHERE n.x IS NULL
           OR (n.inside_iso3, n.border_id, n.border_pair, n.border_km, n.coast_iso3,
               n.coast_km, n.corridor_id, n.sea_area)
              IS DISTINCT FROM (o.inside_iso3, o.border_id, o.border_pair, o.border_km,
                                o.coast_iso3, o.coast_km, o.corridor_id, o.sea_area)
        LIMIT 10
        """
    ).all()
    tables.drop(conn)
    return {k: int(v) for k, v in counts.items()}, list(diff)


def test_cells_match_point_lookup(conn: Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every point through the cell path, even a lone one (imports look lone points up directly).
    monkeypatch.setattr(geo.enrich, "CELL_MIN_POINTS", 1)
    points = _sample_points() + _synthetic_points()
    distinct = len(set(points))
    counts, diff = _compare(conn, points)
    assert diff == [], f"cell lookup differs from the point lookup: {diff}"
    assert counts["looked_up"] == distinct
    assert counts["cells"] > 1_000  # the cell path was taken for most points
    # Both ways of naming the sea area were exercised, and both sides of the |x| = 170 bound.
    assert counts["sea_fixed_cells"] > 100 and counts["cell_sea_fixed"] > 1_000
    assert counts["cell_sea_per_point"] > 10, counts
    assert counts["wrapped"] > 100 and counts["band_edge_cells"] > 10, counts


def test_a_point_on_a_shared_border_goes_to_the_first_iso3_on_every_path(
    conn: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Vertices of land border lines lie on both countries' outlines: inside both. Each comes with
    # two points close by, so its cell is looked up by the cell path too.
    monkeypatch.setattr(geo.enrich, "CELL_MIN_POINTS", 1)
    vertices = conn.exec_driver_sql(
        """
        SELECT ST_X(v.geom), ST_Y(v.geom), b.iso3_a, b.iso3_b
        FROM land_borders b
        CROSS JOIN LATERAL ST_PointN(ST_GeometryN(b.geom, 1), 2) AS v (geom)
        WHERE (SELECT count(DISTINCT p.iso3) FROM country_parts p
               WHERE ST_Intersects(p.geom, v.geom)) = 2
        ORDER BY b.id
        LIMIT 150
        """
    ).all()
    assert len(vertices) >= 50
    points = []
    for x, y, _, _ in vertices:
        points += [(x, y), (x + 1e-4, y), (x, y + 1e-4)]
    counts, diff = _compare(conn, points)
    assert diff == [], f"cell lookup differs from the point lookup: {diff}"
    assert counts["cells"] > 10
    conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {geo.enrich.FUNCTIONS}")
    conn.exec_driver_sql(load_sql("geo", "enrich_points.sql"))
    for x, y, iso3_a, iso3_b in vertices:
        inside = conn.exec_driver_sql(
            "SELECT inside_iso3 FROM pg_temp.enrich_point(%s, %s)", (x, y)
        ).scalar_one()
        assert inside == min(iso3_a, iso3_b), (x, y, iso3_a, iso3_b)
