"""The monitor map page over HTTP (no browser): HTML, local assets only, escaped data, content
negotiation at ``/``, ETags and 304s, and its parameters' 400s. tests/test_monitor_map.py
drives it in Chromium."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from api.app import create_app
from api.negotiation import prefers_html, representation
from api.settings import Settings
from maps.base import assert_offline
from maps.monitor import ReferenceCache, reference_texts
from maps.palette import CLASSES

pytestmark = pytest.mark.anyio

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
XSS = "</script><img src=x onerror=alert(1)>"


def _config(html: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="cx-config">(.*?)</script>', html)
    assert found, "the page carries its config"
    config: dict[str, object] = json.loads(found.group(1))
    return config


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        (BROWSER, True),
        ("text/html", True),
        ("text/*", True),
        ("text/html;q=0.5, application/json", False),
        ("application/json", False),
        ("*/*", False),  # curl, httpx: a tie keeps JSON
        ("", False),
        (None, False),
        ("application/geo+json, text/html;q=0", False),
        ("text/html;q=abc, application/json;q=0.1", False),  # a q that is no number is 0
    ],
)
def test_browsers_prefer_html_and_api_clients_keep_json(accept: str | None, html: bool) -> None:
    assert prefers_html(accept) is html
    assert representation("/", accept) == ("html" if html else "")
    assert representation("/map", accept) == ""


async def test_map_page_is_html_with_local_assets_only(client: httpx.AsyncClient) -> None:
    response = await client.get("/map")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert_offline(html)  # no script or stylesheet from another host
    for path in (
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet.markercluster/leaflet.markercluster.js",
        "/static/vendor/leaflet.fullscreen/Control.FullScreen.js",
        "/static/crossings/monitor.js?v=",
        "/static/crossings/monitor.css?v=",
    ):
        assert path in html, path
    for name in ("Corridors", "Land borders", "Sea routes", "Dead and missing (hexagons)"):
        assert name in html, name
    assert "IOM Missing Migrants Project" in html and "Natural Earth" in html
    assert re.search(r'"code":\s*"FRA"', html)  # the Natural Earth basemap, inline
    assert "L.control.scale" in html and "L.control.layers" in html
    config = _config(html)
    assert config["api"] == {
        "heatmap": "/heatmap",
        "incidents": "/incidents",
        "clusters": "/clusters",
        "sources": "/sources",
        "pattern": "/stats/global-pattern",
        "map": "/map",
        "countries": "/map/countries.geojson",
    }
    assert config["state"] == {"start": "", "end": "", "category": [], "source": [], "res": None}
    corridors = config["corridors"]
    assert isinstance(corridors, dict)
    assert corridors["central-mediterranean"] == "Central Mediterranean"
    # the legend is the palette's, with its units
    assert "Dead and missing per hexagon" in html
    for cls in CLASSES:
        assert cls.color in html and cls.label in html
    # every asset the page names is served
    for src in re.findall(r'(?:src|href)="(/static/[^"?]+)', html):
        assert (await client.get(src)).status_code == 200, src


async def test_map_state_comes_from_the_query(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/map",
        params={
            "datetime": "2016-01-01/2016-12-31",
            "category": "death",
            "source": "iom-mmp",
            "res": "3",
        },
    )
    assert response.status_code == 200
    config = _config(response.text)
    assert config["state"] == {
        "start": "2016-01-01",
        "end": "2016-12-31",
        "category": ["death"],
        "source": ["iom-mmp"],
        "res": 3,
    }
    assert 'id="cx-start" name="start" value="2016-01-01"' in response.text
    assert re.search(r'value="death"\s+checked', response.text)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("res=12", "res"),
        ("res=three", "res"),
        ("category=drowning", "category"),
        ("datetime=yesterday", "datetime"),
        ("datetime=2016-01-01/2016-02-01&datetime_match=within", "datetime_match"),
        ("zoom=4", "zoom"),
        ("res=1&res=2", "res"),
        ("source=no-such-dataset", "source"),
        ("source=not a source", "source"),
    ],
)
async def test_bad_map_parameters_are_400_problems(
    client: httpx.AsyncClient, query: str, parameter: str
) -> None:
    response = await client.get(f"/map?{query}")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["parameter"] == parameter


async def test_data_text_is_escaped_in_the_page(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    """A corridor name (data) ends up in a tooltip (folium's JSON) and in the page's config:
    neither can close the script element."""
    conn.execute(
        sa.text("UPDATE corridors SET name = :name WHERE slug = 'central-mediterranean'"),
        {"name": XSS},
    )
    html = (await client.get("/map")).text
    assert XSS not in html
    assert "<img src=x" not in html
    assert _config(html)["corridors"]["central-mediterranean"] == XSS  # type: ignore[index]


async def test_root_gives_browsers_the_map_and_clients_json(client: httpx.AsyncClient) -> None:
    page = await client.get("/", headers={"Accept": BROWSER})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'id="cx-config"' in page.text
    for accept in ("*/*", "application/json", None):
        headers = {"Accept": accept} if accept else {}
        response = await client.get("/", headers=headers)
        assert response.headers["content-type"] == "application/json", accept
        assert response.json()["title"] == "Crossings"


async def test_root_keeps_its_two_forms_apart_in_caches(client: httpx.AsyncClient) -> None:
    """Same URL, two representations: both vary on Accept and carry different ETags, so a
    cache revalidating the JSON is never told to serve it as the page (or back)."""
    page = await client.get("/", headers={"Accept": BROWSER})
    data = await client.get("/", headers={"Accept": "application/json"})
    for response in (page, data):
        assert "accept" in response.headers["vary"].lower()
        assert response.headers["etag"].startswith('W/"')
    assert page.headers["etag"] != data.headers["etag"]
    assert page.headers["etag"].endswith('-html"')
    again = await client.get(
        "/", headers={"Accept": BROWSER, "If-None-Match": page.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""
    crossed = await client.get(
        "/", headers={"Accept": BROWSER, "If-None-Match": data.headers["etag"]}
    )
    assert crossed.status_code == 200 and "cx-config" in crossed.text
    crossed = await client.get(
        "/", headers={"Accept": "application/json", "If-None-Match": page.headers["etag"]}
    )
    assert crossed.status_code == 200 and crossed.json()["title"] == "Crossings"


async def test_map_page_has_an_etag_and_answers_304(client: httpx.AsyncClient) -> None:
    first = await client.get("/map", headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert first.headers["cache-control"].startswith("public")
    assert first.headers["content-encoding"] == "gzip"
    second = await client.get("/map", headers={"If-None-Match": etag})
    assert second.status_code == 304 and second.content == b""


async def test_a_configured_tile_layer_replaces_the_basemap_and_is_credited(
    settings: Settings, conn: Connection
) -> None:
    from api.deps import get_conn

    tiled = settings.model_copy(
        update={
            "tile_url": "https://tiles.example.org/{z}/{x}/{y}.png",
            "tile_attribution": "&copy; Example Tiles",
        }
    )
    app = create_app(tiled)

    def _conn() -> Iterator[Connection]:
        yield conn

    app.dependency_overrides[get_conn] = _conn
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            html = (await c.get("/map")).text
    assert "https://tiles.example.org/{z}/{x}/{y}.png" in html
    assert "Example Tiles" in html
    assert not re.search(r'"code":\s*"FRA"', html)  # the tiles are the base, not the countries


def test_tiles_without_a_credit_are_refused_at_start() -> None:
    with pytest.raises(ValueError, match="CROSSINGS_TILE_ATTRIBUTION"):
        Settings(tile_url="https://tiles.example.org/{z}/{x}/{y}.png")


def test_reference_data_is_reused_until_the_data_changes(conn: Connection) -> None:
    """Every filter combination is its own page, but the basemap is the same: it is read once
    per data version (the page then builds in a fraction of the time)."""
    cache = ReferenceCache()
    first = reference_texts(conn, cache)
    assert reference_texts(conn, cache) is first
    assert first.extent.first_day is not None and first.extent.last_day is not None
    conn.execute(
        sa.text("UPDATE corridors SET name = 'Renamed' WHERE slug = 'central-mediterranean'")
    )  # a statement that changes served data moves the data version
    second = reference_texts(conn, cache)
    assert second is not first and '"Renamed"' in second.corridors
    assert reference_texts(conn, None) is not second  # no cache: read every time


async def test_the_view_gets_a_detailed_basemap(client: httpx.AsyncClient) -> None:
    """Lampedusa (20 km²) is below the world basemap's scale; the view's own basemap at zoom
    9 has it, clipped to the box."""
    box = "12.0,35.0,13.2,36.0"
    coarse = await client.get("/map/countries.geojson", params={"bbox": box, "z": "5"})
    fine = await client.get("/map/countries.geojson", params={"bbox": box, "z": "9"})
    assert fine.status_code == 200
    assert fine.headers["content-type"] == "application/geo+json"
    assert fine.headers["etag"]
    body = fine.json()
    assert {f["properties"]["code"] for f in body["features"]} == {"ITA"}
    coords = json.dumps(body["features"][0]["geometry"]["coordinates"])
    lons = [float(x) for x in re.findall(r"\[(-?[\d.]+), -?[\d.]+\]", coords)]
    assert lons and all(12.0 <= lon <= 13.2 for lon in lons)  # clipped to the box
    assert len(fine.content) > len(coarse.content)  # more detail at a higher zoom


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("z=9", "bbox spans up to 11.25 degrees at zoom 9"),  # the world, too fine
        ("bbox=0,30,40,60&z=9", "spans up to 11.25"),
        ("bbox=170,-20,-170,-10&z=6", "antimeridian"),
        ("z=15", "z must be"),
    ],
)
async def test_detailed_basemap_requests_are_bounded(
    client: httpx.AsyncClient, query: str, fragment: str
) -> None:
    response = await client.get(f"/map/countries.geojson?{query}")
    assert response.status_code == 400, response.text
    assert fragment in response.json()["detail"]


async def test_the_response_cache_keeps_the_two_forms_of_root_apart(settings: Settings) -> None:
    """With the in-process cache on, the page cached for a browser is never the answer to an
    API client (the cache key holds Accept), and each 304 is for its own form."""
    app = create_app(settings.model_copy(update={"cache_responses": True}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            for _ in range(2):  # the second round is served from the cache
                page = await c.get("/", headers={"Accept": BROWSER})
                data = await c.get("/", headers={"Accept": "*/*"})
                assert page.headers["content-type"].startswith("text/html")
                assert data.headers["content-type"] == "application/json"
                assert page.headers["etag"] != data.headers["etag"]
            cached = await c.get(
                "/", headers={"Accept": "*/*", "If-None-Match": data.headers["etag"]}
            )
            assert cached.status_code == 304
