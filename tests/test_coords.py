"""Coordinate notations people type, and the reasons we give when they cannot be trusted."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from geo.coords import CoordinateError, parse_point, point_from_geojson

LON, LAT = -110.366388888, 31.650277777

PARSED = [
    ("31.650277777, -110.366388888", (LON, LAT)),
    ("31.650277777,-110.366388888", (LON, LAT)),
    ("  31.650277777 ,  -110.366388888  ", (LON, LAT)),
    ("31,650277777; -110,366388888", (LON, LAT)),
    ("31,650277777, -110,366388888", (LON, LAT)),
    ("31.650277777 -110.366388888", (LON, LAT)),
    ("31°39'01\"N 110°21'59\"W", (LON, LAT)),
    ("31° 39′ 01″ N, 110° 21′ 59″ W", (LON, LAT)),
    ("31 39 1 N 110 21 59 W", (LON, LAT)),
    ("N 31 39 1 W 110 21 59", (LON, LAT)),
    ("110°21'59\"W 31°39'01\"N", (LON, LAT)),
    ("31°39'01\" -110°21'59\"", (LON, LAT)),
    ("31°39.01666666'N 110°21.98333333'W", (LON, LAT)),
    ("31.650277777N 110.366388888W", (LON, LAT)),
    ("POINT(-110.366388888 31.650277777)", (LON, LAT)),
    ("point z (-110.366388888 31.650277777 12)", (LON, LAT)),
    ('{"type": "Point", "coordinates": [-110.366388888, 31.650277777]}', (LON, LAT)),
    ("-33.9, 18.4", (18.4, -33.9)),
    ("33°54'S 18°24'E", (18.4, -33.9)),
]


@pytest.mark.parametrize(("text", "expected"), PARSED)
def test_parses_every_supported_notation_to_lon_lat(
    text: str, expected: tuple[float, float]
) -> None:
    lon, lat = parse_point(text) or (math.nan, math.nan)
    assert lon == pytest.approx(expected[0], abs=1e-6)
    assert lat == pytest.approx(expected[1], abs=1e-6)


@pytest.mark.parametrize("text", [None, "", "  ", "NULL", "0", "N/A", "unknown"])
def test_no_coordinates_markers_give_none(text: str | None) -> None:
    assert parse_point(text) is None


REJECTED = [
    ("95.0, 14.5", "latitude 95 out of range"),
    ("14.5, 195.0", "longitude 195 out of range"),
    ("nan, nan", "not a finite number"),
    ("inf, 3", "not a finite number"),
    ("garbage", "no numbers"),
    ("31°75'N 110°W", "below 60"),
    ("31N 32N", "both halves are latitudes"),
    ("-31S 20E", "both a minus sign and S"),
    ("1, 2, 3, 4", "cannot tell latitude from longitude"),
    ("LINESTRING(1 2, 3 4)", "unreadable"),
    ("POINT(1)", "unreadable WKT"),
    ('{"type": "LineString", "coordinates": [[1, 2], [3, 4]]}', "not a Point"),
    ('{"type": "Point"', "unreadable GeoJSON"),
]


@pytest.mark.parametrize(("text", "reason"), REJECTED)
def test_bad_coordinates_raise_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(CoordinateError, match=reason):
        parse_point(text)


@pytest.mark.parametrize(
    ("geometry", "reason"),
    [
        ({"type": "Point", "coordinates": ["a", 1]}, "numbers"),
        ({"type": "Point", "coordinates": [1]}, "numbers"),
        ({"type": "Point", "coordinates": [1, 91]}, "latitude 91"),
        ({"type": "Polygon", "coordinates": []}, "'Polygon', not a Point"),
        ([1, 2], "not a Point"),
    ],
)
def test_geojson_geometry_must_be_a_valid_point(geometry: object, reason: str) -> None:
    with pytest.raises(CoordinateError, match=reason):
        point_from_geojson(geometry)


FIXTURE = Path(__file__).parent / "fixtures" / "coordinates_labelled.csv"


def _labelled() -> list[dict[str, str]]:
    with FIXTURE.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_labelled_coordinates_fixture_is_big_and_real() -> None:
    rows = _labelled()
    real = [r for r in rows if r["origin"].startswith("mmp_") and "(" not in r["origin"]]
    assert len(real) >= 150
    assert len({r["text"] for r in rows}) == len(rows)
    notes = {r["note"] for r in rows}
    for notation in ("DMS", "DMS, spaces", "degrees and decimal minutes", "hemisphere letters"):
        assert notation in notes
    assert {"decimal commas", "GeoJSON", "WKT, lon first", "invalid"} <= notes


def test_every_labelled_coordinate_parses_as_written_by_hand() -> None:
    """100 %: each string gives its expected point, None, or the expected rejection."""
    wrong = []
    for row in _labelled():
        try:
            got: object = parse_point(row["text"])
        except CoordinateError as exc:
            got = f"error: {exc}"
        if row["expect"] == "point":
            ok = isinstance(got, tuple) and (
                abs(got[0] - float(row["lon"])) <= 1e-6 and abs(got[1] - float(row["lat"])) <= 1e-6
            )
        elif row["expect"] == "none":
            ok = got is None
        else:
            ok = isinstance(got, str) and row["error"] in got
        if not ok:
            wrong.append((row["text"], row["expect"], row["lon"], row["lat"], row["error"], got))
    assert not wrong, wrong


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("16.974168912, 7.986535123, 100", "'16.97…, 7.98…, 100'"),
        ("110.366453, 31.650259", "latitude 110.36… out of range"),
        ("31,650277777; 190,366388888", "longitude 190.36…"),
        ("31.650259N 32.123456N", "'31.65…N 32.12…N'"),
    ],
)
def test_reasons_echo_no_more_than_two_decimals(text: str, shown: str) -> None:
    """Reasons are printed and stored with the run: a precise place is sensitive."""
    with pytest.raises(CoordinateError) as caught:
        parse_point(text)
    assert shown in str(caught.value)
    assert "9741" not in str(caught.value) and "3664" not in str(caught.value)


def test_a_value_nearer_to_zero_than_postgres_computes_with_is_zero() -> None:
    assert parse_point("1e-320, 5e-324") == (0.0, 0.0)
    assert point_from_geojson({"type": "Point", "coordinates": [5e-324, 45.1]}) == (0.0, 45.1)
    assert parse_point("-0.0, 0.5") == (0.5, -0.0)  # unchanged: no new row_hash for old rows
