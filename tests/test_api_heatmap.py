"""``/heatmap``: values that add up to what ``/incidents`` serves for the same filters.

The reference is the public ``/incidents`` layer itself (every page), and the expected cells are
computed from its features with the h3 package, independently of geo.heatmap's SQL.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import httpx
import pytest
from shapely.geometry import shape
from sqlalchemy.engine import Connection

from geo import h3index
from tests.factories import insert_incident

pytestmark = pytest.mark.anyio

FILTERS: list[dict[str, str]] = [
    {},
    {"category": "death"},
    {"corridor": "central-mediterranean"},
    {"datetime": "2015-01-01/2015-12-31", "country": "at_sea"},
    {"bbox": "-20,10,40,50"},
    {"bbox": "170,-60,-60,60"},  # across the antimeridian: the Americas and the Pacific
]
WEIGHTS = ("dead", "missing", "dead_and_missing")


async def _incidents(client: httpx.AsyncClient, params: dict[str, str]) -> list[dict[str, Any]]:
    """Every feature ``/incidents`` serves for ``params``, following ``next`` links."""
    response = await client.get("/incidents", params={**params, "limit": "10000"})
    features: list[dict[str, Any]] = []
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        features += body["features"]
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        if not nxt:
            assert len(features) == body["numberMatched"]
            return features
        response = await client.get(nxt[0])


def _weight(props: dict[str, Any], weight: str) -> int:
    return 1 if weight == "incidents" else int(props[weight] or 0)


async def _heatmap(client: httpx.AsyncClient, **params: str) -> dict[str, Any]:
    response = await client.get("/heatmap", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("flt", FILTERS, ids=lambda f: ",".join(f) or "unfiltered")
async def test_values_add_up_to_the_filtered_incidents_at_every_resolution_in_both_modes(
    client: httpx.AsyncClient, flt: dict[str, str]
) -> None:
    features = await _incidents(client, flt)
    located = [f for f in features if f["geometry"] is not None]
    assert features, "each filter should match part of the sample"
    for weight in ("incidents", *WEIGHTS):
        everything = sum(_weight(f["properties"], weight) for f in features)
        placed = sum(_weight(f["properties"], weight) for f in located)
        for res in (0, 3, 5, 9):
            # spread stops at res 3: the sample's country-sized places (precision from their
            # text) spread to res 5 would exceed MAX_CELLS, a 400 tested on its own
            for mode in ("coarse", "spread") if res <= 3 else ("coarse",):
                body = await _heatmap(client, res=str(res), weight=weight, mode=mode, **flt)
                values = [feat["properties"]["value"] for feat in body["features"]]
                assert body["total"] + body["unlocated"] == everything, (weight, res, mode)
                assert body["total"] == placed
                assert body["incidents"] == len(located)
                assert body["incidents"] + body["unlocated_incidents"] == len(features)
                if mode == "coarse":
                    assert all(isinstance(v, int) for v in values)
                    assert sum(values) == placed
                else:
                    assert math.isclose(math.fsum(values), placed, rel_tol=1e-9, abs_tol=1e-9)
                _check_counts(body, located, mode)


def _check_counts(body: dict[str, Any], located: list[dict[str, Any]], mode: str) -> None:
    """Every cell carries all four counts whatever the weight: they add up to the placed
    features' own sums (whole numbers in coarse mode), and the count the weight names is the
    cell's ``value``."""
    weight = body["weight"]
    cells = [f["properties"] for f in body["features"]]
    for count in ("incidents", *WEIGHTS):
        expected = sum(_weight(f["properties"], count) for f in located)
        got = [c[count] for c in cells]
        if mode == "coarse":
            assert all(isinstance(v, int) for v in got), count
            assert sum(got) == expected, count
        else:
            assert math.isclose(math.fsum(got), expected, rel_tol=1e-9, abs_tol=1e-9), count
    assert all(c[weight] == c["value"] for c in cells)


@pytest.mark.parametrize("res", [0, 3, 5, 7])
async def test_coarse_cells_are_the_incidents_cells_at_the_resolution_their_place_allows(
    client: httpx.AsyncClient, res: int
) -> None:
    """Each incident's own cell (``h3`` at ``h3_res``) raised to ``min(h3_res, res)``, with
    the h3 package: the same cells and values as the heatmap, and ``coarser`` where finer
    was asked than the place is known."""
    features = await _incidents(client, {"category": "death"})
    expected: Counter[str] = Counter()
    for f in features:
        if f["properties"]["h3"] is not None:
            cell = h3index.from_hex(f["properties"]["h3"])
            parent = h3index.parent(cell, min(f["properties"]["h3_res"], res))
            expected[h3index.to_hex(parent)] += f["properties"]["dead_and_missing"]
    body = await _heatmap(client, res=str(res), weight="dead_and_missing", category="death")
    got = {f["id"]: f["properties"]["value"] for f in body["features"]}
    assert got == dict(expected)
    for f in body["features"]:
        props = f["properties"]
        assert props["h3"] == f["id"]
        assert props["resolution"] == h3index.resolution(h3index.from_hex(f["id"]))
        assert props["coarser"] == (props["resolution"] < res)
    resolutions = [f["properties"]["resolution"] for f in body["features"]]
    assert resolutions == sorted(resolutions)  # coarsest first: the drawing order


async def test_hexagons_are_valid_counter_clockwise_polygons_cut_at_the_antimeridian(
    client: httpx.AsyncClient,
) -> None:
    body = await _heatmap(client, res="1", mode="spread")
    assert body["features"]
    multi = 0
    for f in body["features"]:
        geometry = f["geometry"]
        polygons = (
            geometry["coordinates"]
            if geometry["type"] == "MultiPolygon"
            else [geometry["coordinates"]]
        )
        multi += geometry["type"] == "MultiPolygon"
        for polygon in polygons:
            ring = polygon[0]
            assert ring[0] == ring[-1]
            assert all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in ring)
            twice_area = sum(
                x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False)
            )
            assert twice_area > 0, f["id"]  # counter-clockwise (RFC 7946 §3.1.6)
        assert shape(geometry).is_valid, f["id"]
    assert len(body["features"]) > multi  # most cells cross nothing


async def test_a_cell_over_the_antimeridian_is_cut_into_two_parts_that_meet_at_180(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    """A synthetic incident (dated 2091) 100 m west of 180° off Fiji: its res-3 hexagon lies
    on both sides, drawn as two parts, one ending at +180 and one starting at -180."""
    cell = h3index.cell(179.999, -17.0, 9)
    insert_incident(conn, lon=179.999, lat=-17.0, h3_cell=cell, h3_res=9, dead=2)
    body = await _heatmap(client, res="3", weight="dead", datetime="2091-01-01/..")
    (feature,) = body["features"]
    assert feature["id"] == h3index.to_hex(h3index.parent(cell, 3))
    assert feature["properties"]["value"] == 2
    geometry = feature["geometry"]
    assert geometry["type"] == "MultiPolygon" and len(geometry["coordinates"]) == 2
    east, west = sorted(geometry["coordinates"], key=lambda p: -max(x for x, _ in p[0]))
    assert max(x for x, _ in east[0]) == 180 and min(x for x, _ in east[0]) > 170
    assert min(x for x, _ in west[0]) == -180 and max(x for x, _ in west[0]) < -170
    assert shape(geometry).is_valid


async def test_cells_format_is_the_features_properties_as_bare_rows(
    client: httpx.AsyncClient,
) -> None:
    params = {"res": "3", "weight": "dead", "corridor": "central-mediterranean"}
    geo = await _heatmap(client, **params)
    response = await client.get("/heatmap", params={**params, "format": "cells"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    rows = response.json()
    assert isinstance(rows, list) and rows
    assert rows == [f["properties"] for f in geo["features"]]
    assert set(rows[0]) == {
        "h3", "value", "resolution", "coarser", "spread", "incidents", "dead", "missing",
        "dead_and_missing",
    }  # fmt: skip


async def test_links_keep_the_filters_and_the_items_link_serves_the_incidents_counted(
    client: httpx.AsyncClient,
) -> None:
    body = await _heatmap(client, res="2", category="death", country="at_sea")
    links = {link["rel"]: link for link in body["links"]}
    assert set(links) == {"self", "alternate", "items"}
    assert "format=cells" in links["alternate"]["href"]
    items = (await client.get(links["items"]["href"])).json()
    assert "res=" not in links["items"]["href"]
    assert items["numberMatched"] == body["incidents"] + body["unlocated_incidents"]


@pytest.mark.parametrize(
    ("params", "parameter", "fragment"),
    [
        ({"res": "10"}, "res", "res must be an integer from 0 to 9"),
        ({"res": "-1"}, "res", "res must be an integer from 0 to 9"),
        ({"res": "four"}, "res", "res must be an integer from 0 to 9"),
        ({"weight": "people"}, "weight", "weight must be one of incidents, dead, missing"),
        ({"mode": "smear"}, "mode", "mode must be one of coarse, spread"),
        ({"format": "csv"}, "format", "format must be one of geojson, cells"),
        ({"category": "drowning"}, "category", "category must be one or more of"),
        ({"resolution": "4"}, "resolution", "unknown query parameter"),
        ({"res": "9", "mode": "spread"}, "res", "coarser resolution"),
    ],
)
async def test_bad_heatmap_parameters_are_400_problems_saying_what_to_send(
    client: httpx.AsyncClient, params: dict[str, str], parameter: str, fragment: str
) -> None:
    response = await client.get("/heatmap", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["parameter"] == parameter
    assert fragment in problem["detail"]


async def test_a_spread_cell_shares_out_every_count_like_its_value(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    """One incident known only to a res-2 hexagon, with 7 dead and 3 missing, spread to res 3:
    its 7 children (6 under a pentagon) each hold a seventh of every count, all of it spread."""
    cell = h3index.cell(25.0, 35.0, 2)
    insert_incident(conn, lon=25.0, lat=35.0, h3_cell=cell, h3_res=2, dead=7, missing=3)
    body = await _heatmap(
        client, res="3", weight="missing", mode="spread", datetime="2091-01-01/.."
    )
    children = h3index.children(cell, 3)
    assert {f["id"] for f in body["features"]} == {h3index.to_hex(c) for c in children}
    n = len(children)
    for f in body["features"]:
        props = f["properties"]
        assert props["value"] == pytest.approx(3 / n) == props["spread"] == props["missing"]
        assert props["incidents"] == pytest.approx(1 / n)
        assert props["dead"] == pytest.approx(7 / n)
        assert props["dead_and_missing"] == pytest.approx(10 / n)
        assert props["coarser"] is False


async def test_a_cells_counts_say_what_its_popup_says(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    """Coarse mode: two incidents in one cell and an unlocated one, whatever the weight, the
    cell holds 2 incidents, their dead and missing (a missing count left empty adds 0)."""
    cell = h3index.cell(25.0, 35.0, 9)
    insert_incident(conn, h3_cell=cell, h3_res=9, dead=12, missing=None)
    insert_incident(conn, h3_cell=cell, h3_res=9, dead=28, missing=3)
    insert_incident(conn, lon=None, lat=None, dead=5, missing=1)
    body = await _heatmap(client, res="4", weight="incidents", datetime="2091-01-01/..")
    (feature,) = body["features"]
    props = feature["properties"]
    assert (props["value"], props["incidents"], props["dead"], props["missing"]) == (2, 2, 40, 3)
    assert props["dead_and_missing"] == 43
    assert (body["total"], body["unlocated"]) == (2, 1)


async def test_a_spread_too_fine_for_the_places_is_a_400_naming_the_limit(
    client: httpx.AsyncClient,
) -> None:
    """Country-sized places spread to res 5 would make hundreds of thousands of cells: the
    answer says so and what to ask instead, never a 500 or a truncated map."""
    response = await client.get("/heatmap", params={"res": "5", "mode": "spread"})
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["parameter"] == "res"
    assert "limit" in problem["detail"] and "coarse mode" in problem["detail"]
