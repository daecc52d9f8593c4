"""``/incidents``: GeoJSON shape, every filter, keyset paging, privacy."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import h3
import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from api.models import IncidentCollection, IncidentFeature
from tests.factories import FUTURE, insert_corridor, insert_incident

pytestmark = pytest.mark.anyio


async def _ids(client: httpx.AsyncClient, **params: Any) -> set[str]:
    response = await client.get("/incidents", params={"datetime": FUTURE, **params})
    assert response.status_code == 200, response.text
    return {f["id"] for f in response.json()["features"]}


async def test_feature_collection_is_valid_geojson_with_all_properties(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    cid = insert_corridor(conn, "zz-test-shape")
    cell = h3.str_to_int(h3.latlng_to_cell(35.0, 25.0, 9))
    ident = insert_incident(
        conn, dead=3, missing=2, survivors=10, country="at_sea", sea_area="Aegean Sea",
        border_pair="GRC-TUR", border_distance_km=12.5, coast_distance_km=3.25,
        corridor_id=cid, h3_cell=cell, h3_res=9, uncertainty_m=150.0, cause="Drowning",
        location_precision="site", location_source="source",
        location_text="off Lesvos", route_text="Eastern Mediterranean", source_name="UNHCR",
        date_precision="day", incident_type="split", source_url="https://unhcr.example/r/1",
    )  # fmt: skip
    source_id = conn.execute(
        sa.text("SELECT source_id FROM incidents WHERE id = :id"), {"id": ident}
    ).scalar_one()
    response = await client.get("/incidents", params={"datetime": FUTURE})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    body = response.json()
    collection = IncidentCollection.model_validate(body)
    assert collection.numberReturned == len(collection.features) == collection.numberMatched == 1
    assert {link.rel for link in collection.links} == {"self"}
    feature = body["features"][0]
    assert feature["id"] == str(ident)
    assert feature["geometry"] == {"type": "Point", "coordinates": [25.0, 35.0]}
    assert feature["properties"] == {
        "date": "2091-06-01", "date_precision": "day", "category": "death", "dead": 3,
        "missing": 2, "dead_and_missing": 5, "survivors": 10, "injured": None,
        "pushed_back": None, "women": None, "men": None, "children": None, "cause": "Drowning",
        "location": "off Lesvos", "country": "at_sea", "sea_area": "Aegean Sea",
        "border": "GRC-TUR", "border_distance_km": 12.5, "coast_distance_km": 3.25,
        "corridor": "zz-test-shape", "h3": h3.int_to_str(cell), "h3_res": 9,
        "precision": "site", "uncertainty_m": 150.0, "location_source": "source",
        "precision_basis": None, "source": "test-api", "source_name": "UNHCR",
        "source_url": "https://unhcr.example/r/1", "route": "Eastern Mediterranean",
        "review_state": "unreviewed", "review_reasons": [], "incident_type": "split",
        "sources": [{
            "id": str(ident), "source": "test-api", "source_id": source_id,
            "source_name": "UNHCR", "source_url": "https://unhcr.example/r/1",
            "date": "2091-06-01", "date_precision": "day", "match_score": None, "link": None,
        }],
    }  # fmt: skip
    assert "raw-json-must-not-leak" not in response.text


async def test_whole_dataset_in_one_page_is_valid_geojson(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    """Every event the session database holds (the MMP sample) at the maximum page size."""
    # One feature per event: records that report the same event count once.
    public = conn.execute(
        sa.text(
            "SELECT count(DISTINCT coalesce(event_id, id)) FROM incidents "
            "WHERE sensitivity = 'public' AND review_state <> 'rejected'"
        )
    ).scalar_one()
    records = conn.execute(sa.text("SELECT count(*) FROM incidents")).scalar_one()
    assert public < records, "the session sample holds records linked by dedupe"
    response = await client.get("/incidents", params={"limit": 10000})
    assert response.status_code == 200
    collection = IncidentCollection.model_validate(response.json())
    assert collection.numberMatched == public
    assert collection.numberReturned == len(collection.features) == min(public, 10000)
    assert len({f.id for f in collection.features}) == collection.numberReturned
    for f in collection.features:
        assert f.properties is not None
        if f.geometry is not None:
            lon, lat = f.geometry.coordinates[:2]
            assert -180 <= lon <= 180 and -90 <= lat <= 90
        if f.properties.h3 is not None:
            assert h3.is_valid_cell(f.properties.h3)


async def test_private_and_rejected_incidents_are_never_served(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    public = insert_incident(conn)
    restricted = insert_incident(conn, sensitivity="restricted")
    rejected = insert_incident(conn, review_state="rejected")
    assert await _ids(client) == {str(public)}
    for hidden in (restricted, rejected):
        response = await client.get(f"/incidents/{hidden}")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


async def test_incident_without_coordinates_has_null_geometry_and_no_bbox_match(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    ident = insert_incident(conn, lon=None, lat=None)
    body = (await client.get("/incidents", params={"datetime": FUTURE})).json()
    assert [f["geometry"] for f in body["features"] if f["id"] == str(ident)] == [None]
    assert str(ident) not in await _ids(client, bbox="-180,-90,180,90")


async def test_bbox_filter(client: httpx.AsyncClient, conn: Connection) -> None:
    inside = insert_incident(conn, lon=25.0, lat=35.0)
    on_edge = insert_incident(conn, lon=26.0, lat=36.0)
    insert_incident(conn, lon=-100.0, lat=30.0)
    assert await _ids(client, bbox="24,34,26,36") == {str(inside), str(on_edge)}
    assert await _ids(client, bbox=" 24.5 , 34.5, 25.5 ,35.5") == {str(inside)}


async def test_bbox_across_the_antimeridian(client: httpx.AsyncClient, conn: Connection) -> None:
    east = insert_incident(conn, lon=179.5, lat=-17.0)
    west = insert_incident(conn, lon=-179.5, lat=-17.0)
    insert_incident(conn, lon=0.0, lat=-17.0)  # the "inside" of a naive minx>maxx box
    insert_incident(conn, lon=179.5, lat=10.0)  # right longitude, wrong latitude
    assert await _ids(client, bbox="179,-20,-179,-10") == {str(east), str(west)}
    assert await _ids(client, bbox="179,-20,180,-10") == {str(east)}


async def test_datetime_forms(client: httpx.AsyncClient, conn: Connection) -> None:
    early = insert_incident(conn, event_date=date(2091, 1, 15))
    mid = insert_incident(conn, event_date=date(2091, 6, 1))
    late = insert_incident(conn, event_date=date(2092, 3, 1))
    every = {str(early), str(mid), str(late)}

    async def ids(value: str) -> set[str]:
        response = await client.get("/incidents", params={"datetime": value, "limit": 10000})
        assert response.status_code == 200, response.text
        return {f["id"] for f in response.json()["features"]} & every

    assert await ids("2091-06-01") == {str(mid)}
    assert await ids("2091-06-01T12:30:00Z") == {str(mid)}
    assert await ids("2091-06-02T01:00:00+03:00") == {str(mid)}  # 2091-06-01 in UTC
    assert await ids("2091-01-15/2091-06-01") == {str(early), str(mid)}  # inclusive ends
    assert await ids("2091-02-01/..") == {str(mid), str(late)}
    assert await ids("2091-02-01/") == {str(mid), str(late)}
    assert await ids("../2091-06-01") == {str(early), str(mid)}
    assert await ids("2091-01-01T00:00:00Z/2091-12-31T23:59:59Z") == {str(early), str(mid)}
    assert await ids("../2092-03-01") == every
    for both_open in ("../..", "/"):  # no filter at all is said by omitting datetime
        response = await client.get("/incidents", params={"datetime": both_open})
        assert response.status_code == 400, response.text


async def test_category_filter(client: httpx.AsyncClient, conn: Connection) -> None:
    death = insert_incident(conn, category="death")
    pushback = insert_incident(conn, category="pushback", pushed_back=40)
    insert_incident(conn, category="violence")
    assert await _ids(client, category="pushback") == {str(pushback)}
    assert await _ids(client, category="death,PUSHBACK") == {str(death), str(pushback)}


async def test_corridor_filter(client: httpx.AsyncClient, conn: Connection) -> None:
    a = insert_corridor(conn, "zz-test-a")
    b = insert_corridor(conn, "zz-test-b")
    in_a = insert_incident(conn, corridor_id=a)
    insert_incident(conn, corridor_id=b)
    insert_incident(conn)
    assert await _ids(client, corridor="zz-test-a") == {str(in_a)}


async def test_unknown_corridor_is_400_listing_known_slugs(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    insert_corridor(conn, "zz-test-known")
    response = await client.get("/incidents", params={"corridor": "no-such-route"})
    assert response.status_code == 400
    problem = response.json()
    assert "unknown corridor 'no-such-route'" in problem["detail"]
    assert "zz-test-known" in problem["detail"]
    assert problem["parameter"] == "corridor"


async def test_country_filter_and_at_sea(client: httpx.AsyncClient, conn: Connection) -> None:
    greece = insert_incident(conn, country="GRC")
    sea = insert_incident(conn, country="at_sea")
    insert_incident(conn, country="TUR")
    assert await _ids(client, country="GRC") == {str(greece)}
    assert await _ids(client, country="grc") == {str(greece)}
    assert await _ids(client, country="at_sea") == {str(sea)}


async def test_precision_and_max_uncertainty_filters(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    def located(precision: str | None, radius: float | None, **kw: Any) -> str:
        return str(insert_incident(conn, location_precision=precision, uncertainty_m=radius, **kw))

    site = located("site", 500.0)
    town = located("locality", 5_000.0)
    sea = located("sea_area", 100_000.0)
    unplaced = located(None, None, lon=None, lat=None)
    assert await _ids(client, precision="site") == {site}
    assert await _ids(client, precision="Locality, site") == {site, town}
    assert await _ids(client, precision="sea_area") == {sea}
    assert await _ids(client, max_uncertainty_m="5000") == {site, town}
    assert await _ids(client, max_uncertainty_m="0") == set()
    assert await _ids(client, precision="site,sea_area", max_uncertainty_m="1e5") == {site, sea}
    assert unplaced in await _ids(client)  # no filter: still listed, geometry null
    body = (await client.get("/incidents", params={"datetime": FUTURE})).json()
    props = {f["id"]: f["properties"] for f in body["features"]}
    assert (props[town]["precision"], props[town]["uncertainty_m"]) == ("locality", 5000.0)
    assert props[unplaced]["precision"] is None


async def test_filters_combine_with_and(client: httpx.AsyncClient, conn: Connection) -> None:
    match = insert_incident(conn, category="death", country="GRC", lon=25, lat=35)
    insert_incident(conn, category="pushback", country="GRC", lon=25, lat=35)
    insert_incident(conn, category="death", country="TUR", lon=25, lat=35)
    insert_incident(conn, category="death", country="GRC", lon=40, lat=35)
    ids = await _ids(client, category="death", country="GRC", bbox="20,30,30,40")
    assert ids == {str(match)}


async def test_paging_follows_next_links_to_the_end(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    inserted = {str(insert_incident(conn, event_date=date(2091, 1, 1 + n % 5))) for n in range(23)}
    inserted.add(str(insert_incident(conn, event_date=None)))  # undated: sorted last
    inserted.add(str(insert_incident(conn, event_date=None)))
    total = conn.execute(
        sa.text(
            "SELECT count(DISTINCT coalesce(event_id, id)) FROM incidents "
            "WHERE sensitivity = 'public' AND review_state <> 'rejected'"
        )
    ).scalar_one()
    url: str | None = "/incidents"
    params: dict[str, Any] | None = {"limit": 1000}
    seen: list[str] = []
    keys: list[tuple[str, str]] = []
    pages = 0
    while url is not None:
        response = await client.get(url, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["numberMatched"] == total
        assert body["numberReturned"] == len(body["features"])
        for feature in body["features"]:
            seen.append(feature["id"])
            keys.append((feature["properties"]["date"] or "9999", feature["id"]))
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url, params = (nxt[0], None) if nxt else (None, None)
        pages += 1
        assert pages <= total // 1000 + 2
    assert len(seen) == len(set(seen)) == total
    assert inserted <= set(seen)
    assert keys == sorted(keys), "pages are in (date, id) order, undated last"


@pytest.mark.parametrize(
    ("n_dated", "n_undated", "limit"),
    [(9, 2, 4), (8, 2, 4), (1, 5, 2)],
    ids=["boundary-inside-page", "boundary-at-page-end", "cursor-on-undated-row"],
)
async def test_small_pages_cross_from_dated_to_undated_rows(
    client: httpx.AsyncClient, conn: Connection, n_dated: int, n_undated: int, limit: int
) -> None:
    cid = insert_corridor(conn, "zz-test-paging")
    dated = {
        str(insert_incident(conn, corridor_id=cid, event_date=date(2091, 1, 1 + n % 3)))
        for n in range(n_dated)
    }
    undated = {
        str(insert_incident(conn, corridor_id=cid, event_date=None)) for _ in range(n_undated)
    }
    insert_incident(conn)  # same dates, other corridor: must never appear
    url: str | None = f"/incidents?corridor=zz-test-paging&limit={limit}"
    seen: list[str] = []
    pages = 0
    while url is not None:
        body = (await client.get(url)).json()
        assert body["numberMatched"] == n_dated + n_undated
        assert "corridor=zz-test-paging" in body["links"][0]["href"]
        seen += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
        pages += 1
    assert len(seen) == len(set(seen)) == n_dated + n_undated
    assert seen[:n_dated] and set(seen[:n_dated]) == dated
    assert set(seen[n_dated:]) == undated
    assert pages == -(-(n_dated + n_undated) // limit)  # no empty trailing page


async def test_limit_above_maximum_is_400_with_the_maximum(client: httpx.AsyncClient) -> None:
    response = await client.get("/incidents", params={"limit": 10001})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "limit must be between 1 and 10000; got 10001" in response.json()["detail"]
    assert (await client.get("/incidents", params={"limit": 0})).status_code == 400


async def test_get_one_incident(client: httpx.AsyncClient, conn: Connection) -> None:
    ident = insert_incident(conn, dead=1)
    response = await client.get(f"/incidents/{ident}")
    assert response.status_code == 200
    feature = IncidentFeature.model_validate(response.json())
    assert feature.id == str(ident)
    assert feature.properties is not None and feature.properties.dead == 1
    assert {link.rel for link in feature.links or []} == {"self", "collection"}


async def test_self_link_is_the_canonical_incident_url(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    """Any UUID spelling finds the incident; its self link is the one canonical URL."""
    ident = insert_incident(conn, dead=1)
    for spelling in (str(ident).upper(), f"urn:uuid:{ident}", ident.hex):
        body = (await client.get(f"/incidents/{spelling}")).json()
        links = {link["rel"]: link["href"] for link in body["links"]}
        assert links["self"] == f"http://testserver/incidents/{ident}", spelling


async def test_unknown_and_malformed_incident_ids(client: httpx.AsyncClient) -> None:
    missing = await client.get(f"/incidents/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.json()["status"] == 404
    bad = await client.get("/incidents/not-a-uuid")
    assert bad.status_code == 400
    assert "id must be a UUID" in bad.json()["detail"]
    assert "'not-a-uuid'" in bad.json()["detail"]
