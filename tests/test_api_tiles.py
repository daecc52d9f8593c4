"""Vector tiles and TileJSON, checked against /incidents, the heatmap and the reference tables.

Tiles are decoded with ``mapbox-vector-tile``; tile bounds are computed here from the XYZ
formulas, independently of ``geo.tiles``.
"""

from __future__ import annotations

import math
from typing import Any

import httpx
import mapbox_vector_tile
import pytest
import shapely
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo import h3index
from geo.heatmap import heatmap
from geo.repo.filters import parse_categories, parse_datetime
from geo.repo.incidents import IncidentFilter
from geo.tiles import FIELDS, hexagon_wkb
from tests.factories import FUTURE, insert_incident

pytestmark = pytest.mark.anyio

MVT = "application/vnd.mapbox-vector-tile"
EXTENT = 4096
WORLD = 20037508.342789244  # half the web-mercator square, metres

# Tiles over the sample's data: the world, the Central Mediterranean, the US-Mexico border,
# the Aegean, and one at the top zoom near Lampedusa.
TILES = [(0, 0, 0), (6, 34, 25), (4, 3, 6), (7, 71, 49), (3, 4, 3)]


def bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of an XYZ tile, in degrees."""
    n = 2**z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)


def mercator(lon: float, lat: float) -> tuple[float, float]:
    return (
        math.radians(lon) * 6378137.0,
        math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * 6378137.0,
    )


def tile_units(z: int, x: int, y: int, lon: float, lat: float) -> tuple[float, float]:
    """A point in the tile's own units (0..4096, y down)."""
    mx, my = mercator(lon, lat)
    size = 2 * WORLD / 2**z
    return (mx + WORLD - x * size) / size * EXTENT, (WORLD - my - y * size) / size * EXTENT


async def _tile(client: httpx.AsyncClient, path: str, **params: str) -> dict[str, Any]:
    response = await client.get(path, params=params)
    if response.status_code == 204:
        assert response.content == b""
        return {}
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == MVT
    return dict(mapbox_vector_tile.decode(response.content, default_options={"y_coord_down": True}))


async def _geojson(client: httpx.AsyncClient, **params: str) -> list[dict[str, Any]]:
    response = await client.get("/incidents", params={"limit": "10000", **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["numberMatched"] == body["numberReturned"]
    return list(body["features"])


FILTERS = [{}, {"category": "death"}, {"datetime": "2016-01-01/2016-12-31", "country": "at_sea"}]


@pytest.mark.parametrize("tile", TILES)
@pytest.mark.parametrize("filters", FILTERS)
async def test_incident_tile_holds_exactly_the_incidents_of_its_bbox(
    client: httpx.AsyncClient, tile: tuple[int, int, int], filters: dict[str, str]
) -> None:
    z, x, y = tile
    decoded = await _tile(client, f"/tiles/incidents/{z}/{x}/{y}.mvt", **filters)
    features = decoded["incidents"]["features"] if decoded else []
    bbox = ",".join(repr(v) for v in bounds(z, x, y))
    expected = {f["id"]: f for f in await _geojson(client, bbox=bbox, **filters)}
    got = {f["properties"]["id"]: f for f in features}
    assert len(got) == len(features)  # one point per event
    assert set(got) == set(expected)
    for ident, feature in got.items():
        want = expected[ident]
        props = feature["properties"]
        assert set(props) <= set(FIELDS["incidents"])
        for name in ("category", "dead_and_missing", "date", "country", "corridor", "precision"):
            assert props.get(name) == want["properties"][name], name
        # at the tile grid's precision, never finer: integer units within half a unit
        px, py = feature["geometry"]["coordinates"]
        assert isinstance(px, int) and isinstance(py, int)
        ux, uy = tile_units(z, x, y, *want["geometry"]["coordinates"])
        assert abs(px - ux) <= 0.5 + 1e-6 and abs(py - uy) <= 0.5 + 1e-6


async def test_tile_keeps_public_events_only_and_leaves_out_unlocated(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    shown = insert_incident(conn, lon=12.5, lat=35.5)
    hidden = insert_incident(conn, lon=12.5, lat=35.5, sensitivity="restricted")
    insert_incident(conn, lon=None, lat=None)
    decoded = await _tile(client, "/tiles/incidents/0/0/0.mvt", datetime=FUTURE)
    ids = {f["properties"]["id"] for f in decoded["incidents"]["features"]}
    assert str(shown) in ids and str(hidden) not in ids
    assert len(ids) == len(await _geojson(client, datetime=FUTURE, bbox="-180,-90,180,90"))


def _filter(params: dict[str, str]) -> IncidentFilter:
    return IncidentFilter(
        categories=parse_categories(params["category"]) if "category" in params else (),
        interval=parse_datetime(params["datetime"]) if "datetime" in params else None,
    )


def _crosses_antimeridian(cell: int) -> bool:
    lons = [lon for lon, _ in h3index.boundary(cell)]
    return max(lons) - min(lons) > 180


@pytest.mark.parametrize("tile", [(0, 0, 0), (6, 34, 25), (4, 3, 6), (9, 275, 200)])
@pytest.mark.parametrize("filters", [{}, {"category": "death", "datetime": "2015-01-01/.."}])
async def test_hexagon_tile_values_equal_the_coarse_heatmap(
    client: httpx.AsyncClient, conn: Connection, tile: tuple[int, int, int], filters: dict[str, str]
) -> None:
    z, x, y = tile
    resolution = min(9, (z + 2) // 2)
    decoded = await _tile(client, f"/tiles/hexagons/{z}/{x}/{y}.mvt", **filters)
    features = decoded["hexagons"]["features"] if decoded else []
    got = {f["properties"]["h3"]: f["properties"] for f in features}
    assert len(got) == len(features)
    cells = {
        h3index.to_hex(c.cell): c
        for c in heatmap(conn, resolution=resolution, flt=_filter(filters)).cells
    }
    for h3, props in got.items():
        assert set(props) == set(FIELDS["hexagons"])
        cell = cells[h3]  # every hexagon in the tile is a heatmap cell, with its whole value
        assert props["incidents"] == cell.weight
        # and all its counts, as /heatmap serves them (a popup: "12 incidents, 40 dead, ...")
        assert {k: props[k] for k in cell.counts()} == cell.counts()
        assert props["resolution"] == cell.resolution
        assert props["coarser"] == cell.coarser == (cell.resolution < resolution)
    # every heatmap cell that reaches into the tile is there
    west, south, east, north = bounds(z, x, y)
    box = shapely.box(*mercator(west, south), *mercator(east, north))
    for h3, cell in cells.items():
        if _crosses_antimeridian(cell.cell):
            continue
        ring = [mercator(lon, max(-85.05, min(85.05, lat))) for lon, lat in
                h3index.boundary(cell.cell)]  # fmt: skip
        if shapely.Polygon(ring).intersects(box):
            assert h3 in got, h3
    if z == 0:  # the whole world: the tile's values add up to the heatmap's total
        assert sum(p["incidents"] for p in got.values()) == sum(c.weight for c in cells.values())


async def test_hexagon_dead_and_missing_are_the_cells_sums(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    decoded = await _tile(client, "/tiles/hexagons/0/0/0.mvt", category="death")
    expected = {
        h3index.to_hex(c.cell): c.weight
        for c in heatmap(
            conn, resolution=1, flt=IncidentFilter(categories=("death",)), weight="dead_and_missing"
        ).cells
    }
    got = {f["properties"]["h3"]: f["properties"]["dead_and_missing"] for f in
           decoded["hexagons"]["features"]}  # fmt: skip
    assert got == expected


def test_hexagon_across_the_antimeridian_is_cut_in_two() -> None:
    crossing = next(
        c
        for res in range(1, 6)
        for lat in (-30.0, -10.0, 0.0, 10.0, 50.0)
        if _crosses_antimeridian(c := h3index.cell(179.999, lat, res))
    )
    shape = shapely.from_wkb(hexagon_wkb(crossing))
    assert shape.geom_type == "MultiPolygon" and len(shape.geoms) == 2
    west, south, east, north = shape.bounds
    assert (west, east) == (-180.0, 180.0)
    assert all(-180 <= lon <= 180 for lon, _ in shapely.get_coordinates(shape))
    center_lon, _ = h3index.center(crossing)
    assert shape.buffer(1e-9).contains(shapely.Point(center_lon, h3index.center(crossing)[1]))


REFERENCE = [("corridors", "corridors", "slug"), ("land_borders", "land_borders", "pair")]


@pytest.mark.parametrize(("layer", "table", "key"), REFERENCE)
@pytest.mark.parametrize("tile", [(0, 0, 0), (4, 8, 6), (5, 7, 13)])
async def test_reference_tiles_hold_every_outline_crossing_them(
    client: httpx.AsyncClient,
    conn: Connection,
    layer: str,
    table: str,
    key: str,
    tile: tuple[int, int, int],
) -> None:
    """Every outline whose part inside the tile spans more than two tile units (smaller ones,
    e.g. ITA-VAT at zoom 0, vanish on the tile grid, as they would on screen)."""
    z, x, y = tile
    decoded = await _tile(client, f"/tiles/{layer}/{z}/{x}/{y}.mvt")
    got = {f["properties"][key] for f in decoded[layer]["features"]} if decoded else set()
    for feature in decoded.get(layer, {}).get("features", []):
        assert set(feature["properties"]) == set(FIELDS[layer])
    west, south, east, north = bounds(z, x, y)
    expected = set(
        conn.execute(
            sa.text(
                f"SELECT {key} FROM (SELECT {key}, ST_Transform(ST_Intersection(geom, "
                f"ST_MakeEnvelope(:w, :s, :e, :n, 4326)), 3857) AS part FROM {table}) AS t "
                "WHERE NOT ST_IsEmpty(part) AND "
                "greatest(ST_XMax(part) - ST_XMin(part), ST_YMax(part) - ST_YMin(part)) > :units"
            ),
            {"w": west, "s": south, "e": east, "n": north, "units": 2 * 2 * WORLD / 2**z / EXTENT},
        ).scalars()
    )
    assert expected, "pick a tile with outlines in it"
    assert expected <= got


async def test_empty_tile_is_a_204_without_body(client: httpx.AsyncClient) -> None:
    for path, params in [
        ("/tiles/incidents/8/10/120.mvt", {}),  # the middle of the Pacific
        ("/tiles/incidents/0/0/0.mvt", {"datetime": "2099-01-01/.."}),
        ("/tiles/hexagons/0/0/0.mvt", {"datetime": "2099-01-01/.."}),
    ]:
        response = await client.get(path, params=params)
        assert response.status_code == 204, (path, response.status_code)
        assert response.content == b""


@pytest.mark.parametrize(
    ("path", "parameter", "fragment"),
    [
        ("/tiles/incidents/17/0/0.mvt", "z", "from 0 to 16"),
        ("/tiles/incidents/6/64/0.mvt", "x", "from 0 to 63 at zoom 6"),
        ("/tiles/incidents/6/0/64.mvt", "y", "from 0 to 63 at zoom 6"),
        ("/tiles/incidents/2/-1/0.mvt", "x", "whole number from 0 to 3"),
        ("/tiles/incidents/two/0/0.mvt", "z", "whole number"),
        ("/tiles/roads/0/0/0.mvt", "layer", "incidents, hexagons, corridors, land_borders"),
        ("/tiles/roads.json", "layer", "incidents, hexagons"),
        ("/tiles/corridors/0/0/0.mvt?category=death", "category", "not filtered"),
        ("/tiles/land_borders.json?bbox=0,0,1,1", "bbox", "not filtered"),
        ("/tiles/hexagons/0/0/0.mvt?res=3", "res", "unknown query parameter"),
        ("/tiles/incidents/0/0/0.mvt?corridor=nowhere-at-all", "corridor", "known corridors"),
    ],
)
async def test_bad_tile_requests_are_400_problems_saying_what_to_send(
    client: httpx.AsyncClient, path: str, parameter: str, fragment: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["parameter"] == parameter
    assert fragment in problem["detail"]


async def test_tilejson_template_keeps_the_filters_and_serves_the_same_tile(
    client: httpx.AsyncClient,
) -> None:
    filters = {"category": "death", "datetime": "2016-01-01/2016-12-31"}
    response = await client.get("/tiles/incidents.json", params=filters)
    assert response.status_code == 200, response.text
    doc = response.json()
    assert doc["tilejson"] == "3.0.0"
    (template,) = doc["tiles"]
    assert "/tiles/incidents/{z}/{x}/{y}.mvt?" in template
    url = template.format(z=6, x=34, y=25)
    direct = await client.get("/tiles/incidents/6/34/25.mvt", params=filters)
    assert (await client.get(url)).content == direct.content != b""
    (layer,) = doc["vector_layers"]
    assert layer["id"] == "incidents" and layer["fields"] == FIELDS["incidents"]
    assert (doc["minzoom"], doc["maxzoom"]) == (0, 16)
    assert "IOM Missing Migrants Project" in doc["attribution"]
    assert "Natural Earth" in doc["attribution"]
    # bounds: the extent of the filtered points
    points = [f["geometry"]["coordinates"] for f in await _geojson(client, **filters)
              if f["geometry"]]  # fmt: skip
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    assert doc["bounds"] == pytest.approx([min(lons), min(lats), max(lons), max(lats)])


@pytest.mark.parametrize("layer", ["hexagons", "corridors", "land_borders"])
async def test_tilejson_of_every_layer_names_its_fields(
    client: httpx.AsyncClient, layer: str
) -> None:
    doc = (await client.get(f"/tiles/{layer}.json")).json()
    assert doc["vector_layers"][0]["fields"] == FIELDS[layer]
    assert doc["tiles"][0].endswith(f"/tiles/{layer}/{{z}}/{{x}}/{{y}}.mvt")
    west, south, east, north = doc["bounds"]
    assert -180 <= west < east <= 180 and -85.06 < south < north < 85.06
