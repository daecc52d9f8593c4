"""Landing page, OpenAPI document, health check (including recovery without a restart)."""

from __future__ import annotations

import uuid

import httpx
import pytest
import sqlalchemy as sa

from api.app import app_from_env, create_app
from api.settings import Settings, to_sqlalchemy_url

pytestmark = pytest.mark.anyio

ENDPOINTS = {
    "/",
    "/healthz",
    "/incidents",
    "/incidents/{id}",
    "/corridors",
    "/corridors/{slug}",
    "/corridors/{slug}/feature",
    "/tiles/{layer}/{z}/{x}/{y}.mvt",
    "/tiles/{layer}.json",
    "/ogc",
    "/ogc/conformance",
    "/ogc/collections",
    "/ogc/collections/{collectionId}",
    "/ogc/collections/incidents/items",
    "/ogc/collections/incidents/items/{featureId}",
    "/ogc/collections/corridors/items",
    "/ogc/collections/corridors/items/{featureId}",
    "/ogc/collections/land_borders/items",
    "/ogc/collections/land_borders/items/{featureId}",
    "/ogc/collections/sea_routes/items",
    "/ogc/collections/sea_routes/items/{featureId}",
    "/corridors/{slug}/timeseries",
    "/heatmap",
    "/countries",
    "/sources",
    "/corridors/{slug}/clusters",
    "/clusters",
    "/stats/global-pattern",
    "/map",
    "/map/countries.geojson",
    "/corridors/{slug}/map",
    "/oembed",
    "/embed/corridors/{slug}.png",
    "/embed/corridors/{slug}.svg",
}


async def test_landing_links_and_credits(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Crossings"
    hrefs = {link["href"].removeprefix("http://testserver") for link in body["links"]}
    assert {"/docs", "/openapi.json", "/incidents", "/corridors", "/sources", "/healthz"} <= hrefs
    for link in body["links"]:
        ends = ("/incidents", "/corridors", "/sources", "/healthz", "/openapi.json")
        if link["href"].endswith(ends):
            assert (await client.get(link["href"])).status_code == 200, link
    names = {credit["name"] for credit in body["credits"]}
    assert {"IOM Missing Migrants Project", "Made with Natural Earth"} <= names


async def test_openapi_documents_every_endpoint(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "Crossings"
    assert ENDPOINTS <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    for path in ENDPOINTS:
        operation = spec["paths"][path]["get"]
        assert operation["summary"] and operation["description"], path
        assert "200" in operation["responses"], path
        problems = [code for code in operation["responses"] if code.startswith(("4", "5"))]
        assert problems or path == "/", path
        for code in problems:
            assert "application/problem+json" in operation["responses"][code]["content"], path
    # every $ref resolves
    text = str(spec)
    for name in {part.split("'")[0] for part in text.split("#/components/schemas/")[1:]}:
        assert name in schemas, name
    incidents = spec["paths"]["/incidents"]["get"]
    params = {p["name"] for p in incidents["parameters"]}
    assert params == {
        "bbox", "datetime", "datetime_match", "category", "corridor", "country", "precision",
        "max_uncertainty_m", "incident_type", "review_state", "source", "limit", "cursor", "f",
    }  # fmt: skip
    assert "application/geo+json" in incidents["responses"]["200"]["content"]
    assert (await client.get("/docs")).status_code == 200


# What each response is served as (checked against real responses in the API tests).
SERVED = {
    ("/incidents", "200"): ("application/geo+json", "IncidentCollection"),
    ("/incidents/{id}", "200"): ("application/geo+json", "IncidentFeature"),
    ("/corridors/{slug}/feature", "200"): ("application/geo+json", "CorridorFeature"),
    ("/corridors", "200"): ("application/json", "CorridorList"),
    ("/tiles/{layer}/{z}/{x}/{y}.mvt", "200"): ("application/vnd.mapbox-vector-tile", None),
    ("/tiles/{layer}.json", "200"): ("application/json", "TileJSON"),
    ("/ogc/collections/incidents/items", "200"): ("application/geo+json", "IncidentCollection"),
    ("/ogc/collections/incidents/items/{featureId}", "200"): (
        "application/geo+json",
        "IncidentFeature",
    ),
    ("/ogc/collections/corridors/items", "200"): ("application/geo+json", "CorridorFeatures"),
    ("/ogc/collections/corridors/items/{featureId}", "200"): (
        "application/geo+json",
        "CorridorFeature",
    ),
    ("/ogc/collections/land_borders/items", "200"): (
        "application/geo+json",
        "LandBorderFeatures",
    ),
    ("/ogc/collections/land_borders/items/{featureId}", "200"): (
        "application/geo+json",
        "LandBorderFeature",
    ),
    ("/ogc/collections/sea_routes/items", "200"): ("application/geo+json", "SeaRouteFeatures"),
    ("/ogc/collections/sea_routes/items/{featureId}", "200"): (
        "application/geo+json",
        "SeaRouteFeature",
    ),
    ("/heatmap", "200"): ("application/geo+json", "HeatmapCollection"),
    ("/countries", "200"): ("application/json", "CountryList"),
    ("/sources", "200"): ("application/json", "SourceList"),
    ("/corridors/{slug}/clusters", "200"): ("application/geo+json", "ClusterCollection"),
    ("/clusters", "200"): ("application/geo+json", "ClusterCollection"),
    ("/map", "200"): ("text/html", None),
    ("/map/countries.geojson", "200"): ("application/geo+json", None),
    ("/corridors/{slug}/map", "200"): ("text/html", None),
    ("/oembed", "200"): ("application/json", "OEmbed"),
    ("/embed/corridors/{slug}.png", "200"): ("image/png", None),
    ("/embed/corridors/{slug}.svg", "200"): ("image/svg+xml", None),
}
# Responses served in a second form too (media type -> JSON Schema type): files with a plain
# string schema, and ?format=cells; and answers without a body.
ALSO_SERVED = {
    ("/incidents", "200"): {"text/csv": "string", "application/vnd.apache.parquet": "string"},
    ("/heatmap", "200"): {"application/json": "array"},
    ("/", "200"): {"text/html": "string"},  # the monitor map, for browsers
}
NO_BODY = {("/tiles/{layer}/{z}/{x}/{y}.mvt", "204")}


async def test_openapi_schemas_sit_under_the_media_types_served(client: httpx.AsyncClient) -> None:
    """A client generated from the document must find each body's schema under the
    Content-Type the API sends: problem+json for every error, geo+json for GeoJSON."""
    spec = (await client.get("/openapi.json")).json()
    for path in ENDPOINTS:
        for code, response in spec["paths"][path]["get"]["responses"].items():
            if (path, code) in NO_BODY:
                assert "content" not in response, (path, code)
                continue
            content = response["content"]
            if code.startswith(("4", "5")):
                expected = ("application/problem+json", "Problem")
            else:
                expected = SERVED.get((path, code), ("application/json", None))
            also = ALSO_SERVED.get((path, code), {})
            assert list(content) == [expected[0], *also], (path, code, list(content))
            for media, schema_type in also.items():
                assert content[media]["schema"]["type"] == schema_type, (path, media)
            ref = content[expected[0]]["schema"].get("$ref")
            assert expected[1] is None or ref == f"#/components/schemas/{expected[1]}", (path, ref)


# Answer without the database, so never a 503 (`/` reads it for its HTML form, the map).
DATABASE_FREE = {"/ogc", "/ogc/conformance"}


async def test_openapi_documents_server_errors_everywhere(client: httpx.AsyncClient) -> None:
    """Any operation can fail with a 500 (fixed message, request id) and any that reads the
    database with a 503 that says when to retry; a client generated from the document must
    expect both, and find the same description wherever they appear."""
    spec = (await client.get("/openapi.json")).json()
    seen: dict[str, list[dict[str, object]]] = {"500": [], "503": []}
    for path in ENDPOINTS:
        responses = spec["paths"][path]["get"]["responses"]
        codes = {"500"} if path in DATABASE_FREE else {"500", "503"}
        for code in codes:
            assert code in responses, (path, code)
            content = responses[code]["content"]["application/problem+json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Problem"}, (path, code)
            seen[code].append(responses[code])
        if path in DATABASE_FREE:
            assert "503" not in responses, path
    assert "Retry-After" in seen["503"][0]["headers"]
    for code, described in seen.items():
        assert all(response == described[0] for response in described), code


async def test_service_desc_link_names_the_openapi_version_served(
    client: httpx.AsyncClient,
) -> None:
    links = (await client.get("/")).json()["links"]
    (desc,) = [link for link in links if link["rel"] == "service-desc"]
    version = (await client.get(desc["href"])).json()["openapi"]  # e.g. 3.1.0
    major_minor = ".".join(version.split(".")[:2])
    assert desc["type"] == f"application/vnd.oai.openapi+json;version={major_minor}"


async def test_healthz_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["postgis"][0].isdigit()


async def test_healthz_is_503_then_recovers_without_restart(database_url: str) -> None:
    """Point an app at a database that does not exist yet; create it; same app says 200."""
    server = database_url.rsplit("/", 1)[0]
    name = f"crossings_health_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(to_sqlalchemy_url(server + "/postgres"), isolation_level="AUTOCOMMIT")
    app = create_app(Settings(database_url=f"{server}/{name}", connect_timeout_s=2))
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                down = await client.get("/healthz")
                assert down.status_code == 503
                assert down.headers["content-type"] == "application/problem+json"
                assert down.json()["detail"].startswith("The database is unavailable")
                assert name not in down.text  # no connection details leak
                also_down = await client.get("/incidents")
                assert also_down.status_code == 503

                with admin.connect() as c:
                    c.execute(sa.text(f'CREATE DATABASE "{name}"'))
                created = sa.create_engine(to_sqlalchemy_url(f"{server}/{name}"))
                with created.begin() as c:
                    c.execute(sa.text("CREATE EXTENSION postgis"))
                created.dispose()

                up = await client.get("/healthz")
                assert up.status_code == 200, up.text
                assert up.json()["database"] == "ok"
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


async def test_app_factory_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSINGS_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("CROSSINGS_CORS_ORIGINS", '["https://maps.example.org"]')
    app = app_from_env()
    assert app.state.settings.database_url.endswith("/none")
    assert not hasattr(app.state, "engine")  # nothing connects before the lifespan starts
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get("/", headers={"Origin": "https://maps.example.org"})
    assert response.headers["access-control-allow-origin"] == "https://maps.example.org"


def test_a_default_limit_above_the_maximum_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Otherwise every /incidents without a limit is a 400 blaming the client for the server's
    default ("limit must be between 1 and 50; got None")."""
    monkeypatch.setenv("CROSSINGS_MAX_LIMIT", "50")
    with pytest.raises(ValueError, match="CROSSINGS_DEFAULT_LIMIT"):
        Settings(_env_file=None)
    monkeypatch.setenv("CROSSINGS_DEFAULT_LIMIT", "50")
    assert Settings(_env_file=None).default_limit == 50


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("/incidents?bbox=1,2", "bbox"),
        ("/incidents?limit=0", "limit"),
        ("/incidents/not-a-uuid", "id"),
        ("/corridors?datetime=yesterday", "datetime"),
        ("/corridors/Not_A_Slug", "slug"),
        ("/corridors/central-mediterranean/feature?datetime=2016-02-30", "datetime"),
    ],
)
async def test_bad_input_is_400_even_while_the_database_is_down(path: str, parameter: str) -> None:
    """Parameters are checked before a pooled connection is taken: a bad request is the
    client's to fix (a 503 would tell it to retry as is) and costs the pool nothing."""
    app = create_app(Settings(database_url="postgresql://postgres@127.0.0.1:1/none"))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get(path)
    assert response.status_code == 400, response.text
    assert response.json()["parameter"] == parameter


async def test_openapi_gives_parameters_their_real_types() -> None:
    """The routes take every parameter as text (so our parsers answer for bad values), but the
    document must still tell clients what to send: limit is an integer within the server's
    configured bounds, a radius a number >= 0, an id a UUID."""
    app = create_app(Settings(database_url="postgresql://x@127.0.0.1:1/x", max_limit=500))
    spec = app.openapi()
    incidents = {p["name"]: p["schema"] for p in spec["paths"]["/incidents"]["get"]["parameters"]}
    assert incidents["limit"] == {
        "type": "integer", "minimum": 1, "maximum": 500, "default": 100, "title": "Limit",
    }  # fmt: skip
    assert incidents["max_uncertainty_m"]["type"] == "number"
    assert incidents["max_uncertainty_m"]["minimum"] == 0
    (incident_id,) = spec["paths"]["/incidents/{id}"]["get"]["parameters"]
    assert incident_id["schema"]["format"] == "uuid"
    assert incident_id["required"] is True
