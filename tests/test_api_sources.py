"""Datasets: ``GET /sources``, the ``source`` filter on every incident read, and each record's
own ``source_url`` (served only when it is an http(s) URL).

Synthetic rows are inserted inside the test's rolled-back transaction (tests/factories.py),
dated 2091 so that ``datetime=2091-01-01/..`` isolates them from the MMP sample.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import mapbox_vector_tile
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from api.app import create_app
from api.models import SourceList
from api.settings import Settings
from geo import h3index
from geo.repo.incidents import public_url
from geo.repo.sources import catalogue
from tests.factories import FUTURE, insert_corridor, insert_incident

pytestmark = pytest.mark.anyio

SLUG = "zz-test-sources"


async def _get(client: httpx.AsyncClient, path: str, **params: str) -> Any:
    # params={} would drop a query already in ``path`` (a followed link)
    response = await client.get(path, params=params) if params else await client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


def _link(conn: Connection, preferred: uuid.UUID, *others: uuid.UUID) -> None:
    """Make records one event (docs/dedupe.md): ``preferred`` ranks first."""
    for rank, ident in enumerate((preferred, *others), start=1):
        conn.execute(
            sa.text("UPDATE incidents SET event_id = :event, event_rank = :rank WHERE id = :id"),
            {"event": preferred, "rank": rank, "id": ident},
        )


@pytest.fixture
def datasets(conn: Connection) -> dict[str, uuid.UUID]:
    """In one test corridor in Greece, in 2091:

    - ``a``: zz-ngo-a alone (3 dead);
    - ``b`` + ``b2``: one event reported by test-api (preferred, 5 dead, 2 missing) and by
      zz-ngo-a (a linked record whose own figures never count);
    - ``c``: test-api alone (1 dead), unlocated;
    - ``hidden``: zz-private, a restricted record (never public, never a known source).
    """
    corridor = insert_corridor(conn, SLUG)
    cell = h3index.cell(25.0, 35.0, 9)  # insert_incident's point
    common = {"corridor_id": corridor, "country": "GRC", "h3_cell": cell, "h3_res": 9}
    ids = {
        "a": insert_incident(conn, source="zz-ngo-a", dead=3, **common),
        "b": insert_incident(conn, source="test-api", dead=5, missing=2, **common),
        "b2": insert_incident(conn, source="zz-ngo-a", dead=50, missing=0, **common),
        "c": insert_incident(conn, lon=None, lat=None, source="test-api", dead=1),
        "hidden": insert_incident(conn, source="zz-private", dead=9, sensitivity="restricted"),
    }
    _link(conn, ids["b"], ids["b2"])
    return ids


async def test_sources_lists_each_dataset_with_its_credit_and_event_totals(
    client: httpx.AsyncClient, datasets: dict[str, uuid.UUID]
) -> None:
    body = SourceList.model_validate(await _get(client, "/sources", datetime=FUTURE))
    got = {s.id: s for s in body.sources}
    assert list(got) == ["test-api", "zz-ngo-a"]  # by id; the private dataset is not listed
    assert body.numberMatched == body.numberReturned == 2
    ngo = got["zz-ngo-a"]
    # a: 3 dead; the event b counts once, with its preferred record's figures (5 + 2)
    assert ngo.totals.model_dump() == {
        "incidents": 2, "dead": 8, "missing": 2, "dead_and_missing": 10,
        "first_event_date": ngo.totals.first_event_date,
        "last_event_date": ngo.totals.last_event_date,
    }  # fmt: skip
    assert str(ngo.totals.first_event_date) == "2091-06-01"
    # not in the catalogue: the id is its name and credit, no link
    assert (ngo.name, ngo.url, ngo.credit) == ("zz-ngo-a", None, "zz-ngo-a")
    assert got["test-api"].totals.incidents == 2 and got["test-api"].totals.dead == 6
    (items,) = ngo.links
    assert items.rel == "items" and "source=zz-ngo-a" in items.href
    listed = await _get(client, items.href.removeprefix("http://testserver"))
    assert listed["numberMatched"] == ngo.totals.incidents
    assert {f["id"] for f in listed["features"]} == {str(datasets["a"]), str(datasets["b"])}


async def test_each_sample_total_is_what_incidents_counts_for_that_source(
    client: httpx.AsyncClient,
) -> None:
    """On the MMP sample: the catalogue's name, link and credit, and totals equal to the
    sums over every /incidents feature of ``source=iom-mmp``."""
    body = await _get(client, "/sources")
    (mmp,) = [s for s in body["sources"] if s["id"] == "iom-mmp"]
    assert mmp["name"] == mmp["credit"] == "IOM Missing Migrants Project"
    assert mmp["url"] == "https://missingmigrants.iom.int/"
    features: list[dict[str, Any]] = []
    page = await _get(client, "/incidents", source="iom-mmp", limit="10000")
    features += page["features"]
    while nxt := [link["href"] for link in page["links"] if link["rel"] == "next"]:
        page = await _get(client, nxt[0].removeprefix("http://testserver"))
        features += page["features"]
    props = [f["properties"] for f in features]
    assert mmp["totals"]["incidents"] == len(props) == page["numberMatched"] > 3000
    for count in ("dead", "missing", "dead_and_missing"):
        assert mmp["totals"][count] == sum(p[count] or 0 for p in props), count
    dates = sorted(p["date"] for p in props if p["date"])
    assert (mmp["totals"]["first_event_date"], mmp["totals"]["last_event_date"]) == (
        dates[0], dates[-1],
    )  # fmt: skip
    unfiltered = await _get(client, "/incidents", limit="1")
    assert unfiltered["numberMatched"] == mmp["totals"]["incidents"]  # the sample is all MMP


async def test_sources_takes_the_incident_filters(
    client: httpx.AsyncClient, datasets: dict[str, uuid.UUID]
) -> None:
    """A map asks /sources with its own filters to learn the credits it must show: with
    ``source=zz-ngo-a`` the event b brings test-api's credit too (its preferred record)."""
    located = await _get(client, "/sources", datetime=FUTURE, bbox="20,30,30,40")
    assert {s["id"]: s["totals"]["incidents"] for s in located["sources"]} == {
        "test-api": 1, "zz-ngo-a": 2,
    }  # fmt: skip
    by_ngo = await _get(client, "/sources", datetime=FUTURE, source="zz-ngo-a")
    assert {s["id"]: s["totals"]["incidents"] for s in by_ngo["sources"]} == {
        "test-api": 1, "zz-ngo-a": 2,
    }  # fmt: skip


# Each read of incidents with its way of saying how many events it counted.
def _incidents(body: Any) -> int:
    return int(body["numberMatched"])


def _heatmap(body: Any) -> int:
    return int(body["incidents"] + body["unlocated_incidents"])


def _countries(body: Any) -> int:
    return sum(c["totals"]["incidents"] for c in body["countries"])


def _timeseries(body: Any) -> int:
    return int(body["totals"]["incidents"])


def _clusters(body: Any) -> int:
    (mine,) = [c for c in body["corridors"] if c["corridor"] == SLUG]
    return int(mine["total"]["incidents"])


def _pattern(body: Any) -> int:
    return int(body["total"]["incidents"])


def _corridor_list(body: Any) -> int:
    (mine,) = [c for c in body["corridors"] if c["slug"] == SLUG]
    return int(mine["totals"]["incidents"])


def _corridor(body: Any) -> int:
    props = body.get("properties", body)  # a Feature (outline) or the corridor itself
    totals = props["totals"]["incidents"]
    assert sum(y["incidents"] for y in props["breakdown"]["by_year"]) == totals
    return int(totals)


READS = [
    ("/incidents", {}, _incidents),
    ("/ogc/collections/incidents/items", {}, _incidents),
    ("/heatmap", {"res": "3"}, _heatmap),
    ("/countries", {}, _countries),
    (f"/corridors/{SLUG}/timeseries", {}, _timeseries),
    ("/clusters", {}, _clusters),
    (f"/corridors/{SLUG}/clusters", {}, _clusters),
    ("/stats/global-pattern", {}, _pattern),
    ("/corridors", {}, _corridor_list),
    (f"/corridors/{SLUG}", {}, _corridor),
    (f"/corridors/{SLUG}/feature", {}, _corridor),
    (f"/ogc/collections/corridors/items/{SLUG}", {}, _corridor),
]


@pytest.mark.parametrize(("path", "extra", "count"), READS, ids=[r[0] for r in READS])
async def test_every_read_of_incidents_takes_the_source_filter(
    client: httpx.AsyncClient,
    datasets: dict[str, uuid.UUID],
    path: str,
    extra: dict[str, str],
    count: Any,
) -> None:
    """zz-ngo-a reports a and (as a linked record) b; test-api reports b and c, c without a
    place (which countries, corridors and clusters do not hold)."""
    located_only = path in ("/countries", "/clusters") or "corridors" in path
    expected = {
        "zz-ngo-a": 2,
        "test-api": 1 if located_only else 2,
        "zz-ngo-a,test-api": 2 if located_only else 3,
    }
    for source, n in expected.items():
        body = await _get(client, path, datetime=FUTURE, source=source, **extra)
        assert count(body) == n, source
    response = await client.get(path, params={"datetime": FUTURE, "source": "zz-private"})
    assert response.status_code == 400, response.text
    assert response.json()["parameter"] == "source"
    assert "see /sources" in response.json()["detail"]


async def test_exports_and_tiles_take_the_source_filter(
    client: httpx.AsyncClient, datasets: dict[str, uuid.UUID]
) -> None:
    response = await client.get(
        "/incidents", params={"datetime": FUTURE, "source": "zz-ngo-a", "f": "csv"}
    )
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert response.headers["x-number-matched"] == "2"
    assert {r["id"] for r in rows} == {str(datasets["a"]), str(datasets["b"])}
    assert {r["source"] for r in rows} == {"zz-ngo-a", "test-api"}  # b's preferred record
    tile = await client.get(
        "/tiles/hexagons/0/0/0.mvt", params={"datetime": FUTURE, "source": "zz-ngo-a"}
    )
    assert tile.status_code == 200, tile.text
    decoded = mapbox_vector_tile.decode(tile.content)
    cells = [f["properties"] for f in decoded["hexagons"]["features"]]
    assert sum(c["incidents"] for c in cells) == 2
    assert sum(c["dead"] for c in cells) == 8 and sum(c["missing"] for c in cells) == 2
    points = await client.get(
        "/tiles/incidents/0/0/0.mvt", params={"datetime": FUTURE, "source": "test-api"}
    )
    assert len(mapbox_vector_tile.decode(points.content)["incidents"]["features"]) == 1


async def test_a_restricted_or_rejected_record_never_makes_an_event_match(
    client: httpx.AsyncClient, conn: Connection, datasets: dict[str, uuid.UUID]
) -> None:
    """A linked record that is not public does not count: the filter reads public records."""
    hidden = insert_incident(conn, source="zz-ngo-b", sensitivity="restricted", dead=1)
    rejected = insert_incident(conn, source="zz-ngo-b", review_state="rejected", dead=1)
    public = insert_incident(conn, source="zz-ngo-b", dead=1, lon=26.0)
    _link(conn, datasets["c"], hidden, rejected)
    body = await _get(client, "/incidents", datetime=FUTURE, source="zz-ngo-b")
    assert [f["id"] for f in body["features"]] == [str(public)]


@pytest.mark.parametrize(
    ("text", "served"),
    [
        ("https://missingmigrants.iom.int/incident/123", "https://missingmigrants.iom.int/incident/123"),
        ("  http://example.org/a?b=c&d=e#f ", "http://example.org/a?b=c&d=e#f"),
        ("HTTPS://EXAMPLE.ORG", "HTTPS://EXAMPLE.ORG"),
        ("javascript:alert(1)", None),
        ("JavaScript://%0aalert(1)", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("//example.org/a", None),
        ("example.org/a", None),
        ("https://", None),
        ("https:///path", None),
        ('https://example.org/"><script>alert(1)</script>', None),
        ("https://a.org/x https://b.org/y", None),  # two URLs in one field
        ("https://a.org/\u2028x", None),
        ("", None),
        (None, None),
    ],
)  # fmt: skip
def test_only_one_http_url_is_ever_served(text: str | None, served: str | None) -> None:
    assert public_url(text) == served


async def test_source_url_is_served_in_features_sources_exports_and_ogc(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    good = "https://example.org/report?id=1&lang=en"
    own = insert_incident(conn, source="test-api", source_url=good, dead=1)
    linked = insert_incident(conn, source="zz-ngo-a", source_url="javascript:alert(1)", dead=1)
    _link(conn, own, linked)
    alone = insert_incident(conn, source="test-api", source_url="data:text/html,x", dead=1)
    body = await _get(client, "/incidents", datetime=FUTURE)
    features = {f["id"]: f["properties"] for f in body["features"]}
    assert features[str(own)]["source_url"] == good
    assert [s["source_url"] for s in features[str(own)]["sources"]] == [good, None]
    assert features[str(alone)]["source_url"] is None
    assert features[str(alone)]["sources"][0]["source_url"] is None
    single = await _get(client, f"/incidents/{linked}")
    assert single["properties"]["source_url"] == good  # the event's preferred record
    ogc = await _get(client, f"/ogc/collections/incidents/items/{own}")
    assert ogc["properties"]["source_url"] == good
    export = await client.get("/incidents", params={"datetime": FUTURE, "f": "csv"})
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(export.text))}
    assert rows[str(own)]["source_url"] == good
    assert rows[str(alone)]["source_url"] == ""
    assert "javascript" not in export.text and "data:text" not in export.text


def test_the_catalogue_names_the_sample_and_links_only_http() -> None:
    mmp = catalogue()["iom-mmp"]
    assert mmp.name == mmp.credit == "IOM Missing Migrants Project"
    assert mmp.url == "https://missingmigrants.iom.int/"
    assert all(info.url is None or info.url.startswith("http") for info in catalogue().values())


@pytest.fixture
async def cached(settings: Settings, engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its response cache on, reading the committed session database."""
    app = create_app(settings.model_copy(update={"cache_responses": True}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as ac:
            yield ac


async def test_sources_carries_an_etag_and_answers_304(cached: httpx.AsyncClient) -> None:
    first = await cached.get("/sources", params={"category": "death"})
    assert first.status_code == 200
    etag = first.headers["etag"]
    again = await cached.get(
        "/sources", params={"category": "death"}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304 and again.content == b""
    other = await cached.get("/sources", params={"source": "iom-mmp"})
    assert other.status_code == 200 and other.headers["etag"]
