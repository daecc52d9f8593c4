"""``/ogc``: OGC API – Features over the same data as ``/incidents`` and the reference layers."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from api.models import IncidentCollection
from api.models_ogc import (
    CRS84,
    Collection,
    Collections,
    CorridorFeatures,
    LandBorderFeatures,
    SeaRouteFeatures,
)
from tests.factories import FUTURE, insert_incident

pytestmark = pytest.mark.anyio

COLLECTION_IDS = ["incidents", "corridors", "land_borders", "sea_routes"]
LAYER_TABLES = {
    "corridors": "corridors",
    "land_borders": "land_borders",
    "sea_routes": "sea_routes",
}


def _path(href: str) -> str:
    return href.removeprefix("http://testserver")


async def _walk(client: httpx.AsyncClient, url: str, **params: Any) -> tuple[list[Any], int]:
    """Every feature over all pages (following ``next``) and the first page's numberMatched."""
    response = await client.get(url, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    matched, features = body["numberMatched"], list(body["features"])
    while nxt := [link["href"] for link in body["links"] if link["rel"] == "next"]:
        response = await client.get(_path(nxt[0]))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["numberMatched"] == matched
        assert body["numberReturned"] == len(body["features"])
        features += body["features"]
    return features, matched


async def test_landing_page_links_lead_to_the_api_conformance_and_collections(
    client: httpx.AsyncClient,
) -> None:
    body = (await client.get("/ogc")).json()
    links = {link["rel"]: link for link in body["links"]}
    assert {"self", "service-desc", "service-doc", "conformance", "data"} <= set(links)
    assert _path(links["service-desc"]["href"]) == "/openapi.json"
    assert _path(links["conformance"]["href"]) == "/ogc/conformance"
    assert _path(links["data"]["href"]) == "/ogc/collections"
    for rel in ("service-desc", "conformance", "data"):
        assert (await client.get(links[rel]["href"])).status_code == 200, rel
    root = (await client.get("/")).json()["links"]
    assert "/ogc" in {_path(link["href"]) for link in root if link["rel"] == "data"}
    conformance = (await client.get("/ogc/conformance")).json()["conformsTo"]
    for part in ("1/1.0/conf/core", "1/1.0/conf/geojson", "1/1.0/conf/oas30", "2/1.0/conf/crs"):
        assert f"http://www.opengis.net/spec/ogcapi-features-{part}" in conformance


async def test_collections_describe_each_layer_with_its_extent_and_crs84(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    body = Collections.model_validate((await client.get("/ogc/collections")).json())
    assert [c.id for c in body.collections] == COLLECTION_IDS
    for collection in body.collections:
        assert collection.itemType == "feature"
        assert collection.crs == [CRS84] and collection.storageCrs == CRS84
        items = [link for link in collection.links if link.rel == "items"]
        assert items and items[0].type == "application/geo+json"
        single = await client.get(f"/ogc/collections/{collection.id}")
        assert Collection.model_validate(single.json()) == collection
    by_id = {c.id: c for c in body.collections}
    for cid, table in LAYER_TABLES.items():
        expected = conn.execute(
            sa.text(f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                    f"FROM (SELECT ST_Extent(geom)::geometry e FROM {table}) x")
        ).one()  # fmt: skip
        spatial = by_id[cid].extent.spatial
        assert spatial is not None
        assert spatial.bbox == [pytest.approx(list(expected))]


async def test_incidents_extent_covers_exactly_the_served_incidents(
    client: httpx.AsyncClient,
) -> None:
    """Checked against every feature /incidents serves, not against a second copy of the SQL."""
    features, _ = await _walk(client, "/incidents", limit="10000")
    points = [f["geometry"]["coordinates"] for f in features if f["geometry"]]
    dates = sorted(f["properties"]["date"] for f in features if f["properties"]["date"])
    extent = (await client.get("/ogc/collections/incidents")).json()["extent"]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    assert extent["spatial"]["bbox"] == [
        pytest.approx([min(xs), min(ys), max(xs), max(ys)], abs=1e-9)
    ]
    first, last = extent["temporal"]["interval"][0]
    assert first == f"{dates[0]}T00:00:00Z"
    assert last >= f"{dates[-1]}T00:00:00Z"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"category": "death"},
        {"country": "at_sea", "datetime": "2015-01-01/2015-12-31"},
        {"bbox": "10,30,30,40", "precision": "exact,site,locality"},
        {"corridor": "central-mediterranean", "datetime": "2016-01-01/..",
         "datetime_match": "within"},
        {"max_uncertainty_m": "25000"},
    ],
)  # fmt: skip
async def test_incidents_items_are_the_incidents_features_with_the_same_count(
    client: httpx.AsyncClient, params: dict[str, str]
) -> None:
    ogc = await client.get("/ogc/collections/incidents/items", params={**params, "limit": "50"})
    plain = await client.get("/incidents", params={**params, "limit": "50"})
    assert ogc.status_code == plain.status_code == 200, ogc.text
    assert ogc.headers["content-type"].startswith("application/geo+json")
    assert ogc.headers["content-crs"] == f"<{CRS84}>"
    body = IncidentCollection.model_validate(ogc.json()).model_dump()
    expected = plain.json()
    assert body["numberMatched"] == expected["numberMatched"]
    assert ogc.json()["features"] == expected["features"]
    assert {"self", "collection"} <= {link["rel"] for link in ogc.json()["links"]}


async def test_incidents_paging_keeps_filters_and_reaches_every_match(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    made = {str(insert_incident(conn, category="pushback")) for _ in range(7)}
    made |= {str(insert_incident(conn, category="death")) for _ in range(2)}
    features, matched = await _walk(
        client, "/ogc/collections/incidents/items", datetime=FUTURE, category="pushback", limit="3"
    )
    ids = [f["id"] for f in features]
    assert matched == len(ids) == len(set(ids)) == 7
    assert set(ids) <= made


@pytest.mark.parametrize("cid", ["land_borders", "sea_routes", "corridors"])
async def test_layer_paging_reaches_every_row_once(
    client: httpx.AsyncClient, conn: Connection, cid: str
) -> None:
    count = conn.execute(sa.text(f"SELECT count(*) FROM {LAYER_TABLES[cid]}")).scalar_one()
    features, matched = await _walk(client, f"/ogc/collections/{cid}/items", limit="7")
    ids = [f["id"] for f in features]
    assert matched == len(ids) == len(set(ids)) == count
    assert ids == sorted(ids)


async def test_layer_items_validate_and_every_served_geometry_is_valid(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    models = {
        "corridors": CorridorFeatures,
        "land_borders": LandBorderFeatures,
        "sea_routes": SeaRouteFeatures,
    }
    for cid, model in models.items():
        response = await client.get(f"/ogc/collections/{cid}/items", params={"limit": "10000"})
        assert response.headers["content-crs"] == f"<{CRS84}>"
        model.model_validate(response.json())
        geometries = [json.dumps(f["geometry"]) for f in response.json()["features"]]
        invalid = conn.execute(
            sa.text(
                "SELECT count(*) FROM unnest(CAST(:g AS text[])) AS t(g) "
                "WHERE NOT ST_IsValid(ST_GeomFromGeoJSON(g)) OR ST_IsEmpty(ST_GeomFromGeoJSON(g))"
            ),
            {"g": geometries},
        ).scalar_one()
        assert invalid == 0, cid


async def test_bbox_on_land_borders_keeps_exactly_the_borders_it_touches(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    expected = set(
        conn.execute(
            sa.text(
                "SELECT pair FROM land_borders "
                "WHERE ST_Intersects(geom, ST_MakeEnvelope(20, 35, 30, 45, 4326))"
            )
        ).scalars()
    )
    features, matched = await _walk(
        client, "/ogc/collections/land_borders/items", bbox="20,35,30,45"
    )
    assert expected and {f["id"] for f in features} == expected and matched == len(expected)


async def test_corridor_features_are_the_corridor_feature_of_corridors(
    client: httpx.AsyncClient,
) -> None:
    body = (await client.get("/ogc/collections/corridors/items", params={"limit": "10000"})).json()
    assert body["features"]
    for feature in body["features"][:3]:
        plain = (await client.get(f"/corridors/{feature['id']}/feature")).json()
        assert feature["properties"] == plain["properties"]
        single = (await client.get(f"/ogc/collections/corridors/items/{feature['id']}")).json()
        assert single["properties"] == plain["properties"]


async def test_one_feature_by_id_in_each_collection(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    ident = str(insert_incident(conn))
    response = await client.get(f"/ogc/collections/incidents/items/{ident}")
    assert response.status_code == 200
    assert response.headers["content-crs"] == f"<{CRS84}>"
    plain = (await client.get(f"/incidents/{ident}")).json()
    body = response.json()
    assert {k: v for k, v in body.items() if k != "links"} == {
        k: v for k, v in plain.items() if k != "links"
    }
    assert {link["rel"] for link in body["links"]} == {"self", "collection"}
    pair = conn.execute(sa.text("SELECT pair FROM land_borders ORDER BY pair LIMIT 1")).scalar()
    slug = conn.execute(sa.text("SELECT slug FROM sea_routes ORDER BY slug LIMIT 1")).scalar()
    for cid, key in (("land_borders", pair), ("sea_routes", slug)):
        one = (await client.get(f"/ogc/collections/{cid}/items/{key}")).json()
        assert one["id"] == key and one["geometry"]["coordinates"]
    # asked in lower case, the self link names the feature's own id
    lower = (await client.get(f"/ogc/collections/land_borders/items/{pair.lower()}")).json()
    (this,) = [link["href"] for link in lower["links"] if link["rel"] == "self"]
    assert _path(this) == f"/ogc/collections/land_borders/items/{pair}"


@pytest.mark.parametrize(
    ("url", "status", "fragment"),
    [
        ("/ogc/collections/nowhere", 404, "collections: incidents, corridors"),
        ("/ogc/collections/nowhere/items", 404, "collections: incidents, corridors"),
        ("/ogc/collections/Not-An-Id!/items", 400, "collectionId must be"),
        ("/ogc/collections/incidents/items/3f2b8a52-1c4e-4d6a-9b1f-0a1b2c3d4e5f", 404, "no public"),
        ("/ogc/collections/incidents/items/42", 400, "featureId must be a UUID"),
        ("/ogc/collections/land_borders/items/AAA-ZZZ", 404, "no land_borders feature"),
        ("/ogc/collections/land_borders/items/Greece", 400, "pair of country codes"),
        ("/ogc/collections/sea_routes/items/no-such-route", 404, "no sea_routes feature"),
        ("/ogc/collections/corridors/items/no-such-corridor", 404, "no corridor"),
        ("/ogc/collections/incidents/items?f=html", 400, "f must be json"),
        ("/ogc/collections/incidents/items?crs=EPSG:3857", 400, "the only CRS served"),
        ("/ogc/collections/land_borders/items?bbox-crs=EPSG:4326", 400, "the only CRS served"),
        ("/ogc/collections/land_borders/items?category=death", 400, "unknown query parameter"),
        ("/ogc/collections/sea_routes/items?cursor=!!", 400, "follow the 'next' link"),
        ("/ogc/collections/incidents/items?limit=0", 400, "limit must be between 1 and"),
    ],
)
async def test_bad_requests_are_problems_that_say_what_to_fix(
    client: httpx.AsyncClient, url: str, status: int, fragment: str
) -> None:
    response = await client.get(url)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert fragment in response.json()["detail"]


async def test_crs84_and_json_format_are_accepted_by_name(client: httpx.AsyncClient) -> None:
    params = {"f": "json", "crs": CRS84, "bbox-crs": CRS84, "bbox": "-20,20,40,50", "limit": "5"}
    response = await client.get("/ogc/collections/incidents/items", params=params)
    assert response.status_code == 200, response.text
    plain = (await client.get("/incidents", params={"bbox": params["bbox"], "limit": "5"})).json()
    assert response.json()["numberMatched"] == plain["numberMatched"]
    nxt = [link["href"] for link in response.json()["links"] if link["rel"] == "next"]
    assert nxt and "bbox=-20%2C20%2C40%2C50" in nxt[0] and "crs=" in nxt[0]
