"""The precision pass on the real bundled MMP sample (imported by the session fixture, which
runs the pass in each import) and on records made for a test.

Expected radii are computed here with independent SQL (the countries' and sea areas' own
polygons) and expected cells with the h3 package through geo.h3index.
"""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo import h3index
from geo.geocode.model import PRECISION_RANK
from geo.precision import widen_precision
from geo.precision_text import read_area
from tests.factories import insert_import_run, insert_incident

CUMULATIVE = "incident_type = 'cumulative'"


def _records(conn: Connection, where: str, **params: Any) -> list[Any]:
    return list(
        conn.execute(
            sa.text(
                "SELECT id, location_text, location_precision, uncertainty_m, h3_cell, h3_res,"
                " precision_basis, country, sea_area, ST_X(geom) AS lon, ST_Y(geom) AS lat"
                f" FROM incidents WHERE geom IS NOT NULL AND {where}"
            ),
            params,
        )
    )


def _country_radius_m(conn: Connection, iso3: str) -> float:
    km2 = conn.execute(
        sa.text("SELECT ST_Area(geom::geography) / 1e6 FROM countries WHERE iso3 = :c"),
        {"c": iso3},
    ).scalar_one()
    return math.sqrt(km2 / math.pi) * 1000


@pytest.mark.parametrize(
    "text", ["Unspecified location between Libya and Italy", "Mixed", "Mexico (likely)"]
)
def test_vague_texts_of_the_issue_are_no_longer_locality_5_km(conn: Connection, text: str) -> None:
    rows = _records(conn, "location_text = :t", t=text)
    assert rows
    for r in rows:
        assert r.location_precision in ("country", "sea_area"), r
        assert r.uncertainty_m > 100_000 and r.h3_res <= 2, r
        assert r.precision_basis in ("text", "cumulative")


def test_unspecified_location_in_a_country_takes_its_equal_area_radius(conn: Connection) -> None:
    rows = _records(conn, "location_text = 'Unspecified location, Libya'")
    assert rows
    expected = _country_radius_m(conn, "LBY")
    for r in rows:
        assert r.location_precision == "country"
        assert r.uncertainty_m == pytest.approx(expected, rel=1e-9)


def test_a_crossing_at_sea_takes_the_radius_of_the_sea_area_of_its_point(
    conn: Connection,
) -> None:
    rows = _records(
        conn,
        "location_text = 'Unspecified location between Libya and Italy' AND sea_area IS NOT NULL",
    )
    assert rows
    for r in rows:
        km2 = conn.execute(
            sa.text("SELECT area_km2 FROM sea_areas WHERE slug = :s"), {"s": r.sea_area}
        ).scalar_one()
        assert r.location_precision == "sea_area"
        assert r.uncertainty_m == pytest.approx(math.sqrt(km2 / math.pi) * 1000, rel=1e-9)


def test_cell_and_resolution_follow_every_widened_uncertainty(conn: Connection) -> None:
    rows = _records(conn, "precision_basis IN ('text', 'cumulative')")
    assert len(rows) > 100
    for r in rows:
        assert r.h3_res == h3index.resolution_for_uncertainty(r.uncertainty_m), r
        assert r.h3_cell == h3index.cell(r.lon, r.lat, r.h3_res), r


def test_cumulative_records_are_never_finer_than_admin(conn: Connection) -> None:
    rows = _records(conn, CUMULATIVE)
    assert rows
    for r in rows:
        assert PRECISION_RANK[r.location_precision] >= PRECISION_RANK["admin"], r
        assert r.uncertainty_m >= 50_000 and r.precision_basis == "cumulative"


def test_a_town_named_record_keeps_the_precision_of_its_coordinates(conn: Connection) -> None:
    rows = _records(conn, "location_text = 'Agadez, Niger'")
    assert rows
    for r in rows:
        assert (r.location_precision, r.uncertainty_m, r.h3_res) == ("locality", 5000.0, 5)
        assert r.precision_basis == "coordinates"
        assert r.h3_cell == h3index.cell(r.lon, r.lat, 5)


def test_a_second_pass_changes_nothing(conn: Connection) -> None:
    assert widen_precision(conn).changed == 0


def test_the_pass_widens_a_town_sized_record_and_never_narrows_a_wider_one(
    conn: Connection,
) -> None:
    run = insert_import_run(conn, "test-precision")
    common: dict[str, Any] = {
        "lon": 17.0, "lat": 27.0, "country": "LBY", "import_run_id": run,
        "location_text": "Unspecified location, Libya", "source": "test-precision",
    }  # fmt: skip
    narrow = insert_incident(
        conn, uncertainty_m=5000.0, location_precision="locality", h3_res=5,
        h3_cell=h3index.cell(17.0, 27.0, 5), **common,
    )  # fmt: skip
    wide = insert_incident(
        conn, uncertainty_m=3_000_000.0, location_precision="country", h3_res=0,
        h3_cell=h3index.cell(17.0, 27.0, 0), **common,
    )  # fmt: skip
    report = widen_precision(conn, import_run_id=run)
    assert report.changed == 2
    rows = {r.id: r for r in _records(conn, "import_run_id = :run", run=run)}
    expected = _country_radius_m(conn, "LBY")
    assert rows[narrow].uncertainty_m == pytest.approx(expected, rel=1e-9)
    assert rows[narrow].location_precision == "country"
    assert rows[narrow].precision_basis == "text"
    assert rows[narrow].h3_cell == h3index.cell(17.0, 27.0, rows[narrow].h3_res)
    assert rows[wide].uncertainty_m == 3_000_000.0 and rows[wide].h3_res == 0
    assert rows[wide].precision_basis == "coordinates"
    assert widen_precision(conn, import_run_id=run).changed == 0


@pytest.mark.anyio
async def test_town_or_better_query_drops_every_event_whose_text_names_an_area(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    """The README's "town or better, within 10 km" query, on the sample."""
    response = await client.get(
        "/incidents",
        params={"precision": "exact,site,locality", "max_uncertainty_m": "10000", "limit": "10000"},
    )
    assert response.status_code == 200
    body = response.json()
    for f in body["features"]:
        p = f["properties"]
        assert p["precision_basis"] == "coordinates"
        # a record without a text keeps its coordinates' precision: nothing says otherwise
        area = read_area(p["location"]) if p["location"] else None
        if area is not None and area.vague:
            # only a country smaller than the point's own circle ("Near Macau", 30 km²)
            assert area.area == "country", p["location"]
            radius = math.sqrt(sum(_country_radius_m(conn, c) ** 2 for c in area.countries))
            assert radius <= p["uncertainty_m"], p["location"]
    located = conn.execute(
        sa.text(
            "SELECT count(DISTINCT coalesce(event_id, id)) FROM incidents WHERE geom IS NOT NULL"
            " AND sensitivity = 'public' AND review_state <> 'rejected'"
        )
    ).scalar_one()
    # Before the pass the query kept 3,814 of 3,867 events (98.6 %); a user asking for towns
    # must not get every "Unspecified location between Libya and Italy" with them.
    assert body["numberMatched"] <= 0.85 * located
