"""Query parameters: parsing rules (pure) and the 400 problem a bad value earns over HTTP."""

from __future__ import annotations

import uuid
from datetime import date

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from geo.errors import InvalidInput
from geo.repo.filters import (
    BBox,
    Cursor,
    parse_bbox,
    parse_categories,
    parse_country,
    parse_datetime,
    parse_limit,
    parse_max_uncertainty,
    parse_precisions,
    parse_slug,
    parse_sources,
)


def test_bbox_across_the_antimeridian_splits_into_two_envelopes() -> None:
    box = parse_bbox("170,-20,-170,-10")
    assert box.crosses_antimeridian
    assert box.envelopes() == [(170, -20, 180, -10), (-180, -20, -170, -10)]
    assert parse_bbox("-10,-5,10,5").envelopes() == [(-10, -5, 10, 5)]


@pytest.mark.parametrize(
    "text", ["1,2,3", "1,2,3,4,5", "a,b,c,d", "", "0,0,181,1", "0,-91,1,1", "0,5,1,4", "0,nan,1,1"]
)
def test_bad_bbox_says_the_expected_form(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"bbox must be minx,miny,maxx,maxy") as caught:
        parse_bbox(text)
    assert caught.value.parameter == "bbox"
    assert repr(text) in str(caught.value)


@pytest.mark.parametrize(
    "text", ["1_0,0,10,10", "\u0661,0,10,10", "0,0,10,\uff11\uff10", "0x1,0,1,1"]
)
def test_bbox_numbers_are_plain_decimal(text: str) -> None:
    """Python's float() takes '1_0' (10) and non-ASCII digits; a bbox is ASCII decimals only."""
    with pytest.raises(InvalidInput, match=r"bbox must be minx,miny,maxx,maxy"):
        parse_bbox(text)


def test_datetime_instants_and_intervals() -> None:
    assert parse_datetime("2015-06-01").start == date(2015, 6, 1)
    assert parse_datetime("2015-06-01").end == date(2015, 6, 1)
    assert parse_datetime("2015-06-01T23:30:00-02:00").start == date(2015, 6, 2)
    assert parse_datetime("2015-06-01t23:30:00.123456789z").start == date(2015, 6, 1)
    assert parse_datetime("2015-06-01 23:30:00+00:00").start == date(2015, 6, 1)  # RFC 3339 5.6
    open_start = parse_datetime("../2015-12-31")
    assert (open_start.start, open_start.end) == (None, date(2015, 12, 31))


@pytest.mark.parametrize(
    "text",
    [
        "yesterday", "2015-13-01", "2015-01-01/2015-02-01/2015-03-01", "..", "2015/06/01",
        # ISO 8601 forms Python's fromisoformat takes but RFC 3339 does not: basic, week,
        # ordinal, no seconds, no offset (whose UTC day is unknown), non-ASCII digits
        "20150601", "2015-W23-1", "2015-152", "2015-06-01T10:00Z", "2015-06-01T10:00:00",
        "2015-06-01T10:00:00+0200", "\u0662015-06-01",
    ],
)  # fmt: skip
def test_bad_datetime_says_the_expected_form(text: str) -> None:
    with pytest.raises(InvalidInput, match="datetime must be an RFC 3339 date"):
        parse_datetime(text)


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-05:00"])
def test_datetime_whose_utc_day_is_out_of_range_is_a_400(text: str) -> None:
    """Shifting to UTC overflows the calendar here; that is the client's value, not a crash."""
    with pytest.raises(InvalidInput, match="datetime must be an RFC 3339 date") as caught:
        parse_datetime(text)
    assert caught.value.parameter == "datetime"


@pytest.mark.parametrize("text", ["/", "../..", "../", "/..", " / "])
def test_datetime_interval_needs_at_least_one_end(text: str) -> None:
    """OGC API Features allows one open end, not two; an interval open at both ends filters
    nothing, and a client sending it most likely lost a value on the way."""
    with pytest.raises(InvalidInput, match="at least one end") as caught:
        parse_datetime(text)
    assert caught.value.parameter == "datetime"
    assert "omit datetime" in str(caught.value)


def test_datetime_interval_must_not_run_backwards() -> None:
    with pytest.raises(InvalidInput, match="starts after it ends"):
        parse_datetime("2016-01-01/2015-01-01")
    # within one UTC day too: compared as instants before they become days
    with pytest.raises(InvalidInput, match="starts after it ends"):
        parse_datetime("2016-01-01T10:00:00Z/2016-01-01T09:00:00Z")
    same_day = parse_datetime("2016-01-01T09:00:00Z/2016-01-01T10:00:00+01:00")
    assert (same_day.start, same_day.end) == (date(2016, 1, 1), date(2016, 1, 1))
    # a date is its whole day: any time on it is within
    assert parse_datetime("2016-01-01T23:00:00Z/2016-01-01").end == date(2016, 1, 1)


def test_categories_countries_slugs() -> None:
    assert parse_categories("death, Disappearance,death") == ("death", "disappearance")
    assert parse_country("grc") == "GRC"
    assert parse_country("AT_SEA") == "at_sea"
    for bad in ("\u0131\u0131\u0131", "\ufb00a"):  # upper-case to "III" and "FFA"
        with pytest.raises(InvalidInput, match="three-letter country code"):
            parse_country(bad)
    assert parse_slug("central-mediterranean") == "central-mediterranean"
    for bad in ("Central", "a--b", "-a", "a b"):
        with pytest.raises(InvalidInput, match="slug like"):
            parse_slug(bad)


def test_sources_are_dataset_ids_once_each_as_written() -> None:
    assert parse_sources("iom-mmp") == ("iom-mmp",)
    assert parse_sources(" iom-mmp , ngo_x.2024,iom-mmp,Pima-County ") == (
        "iom-mmp", "ngo_x.2024", "Pima-County",
    )  # fmt: skip
    for bad in ("", ",", "iom mmp", "-x", "iom-mmp;drop", "\u0131om", "a" * 101):
        with pytest.raises(InvalidInput, match="dataset ids like 'iom-mmp'") as caught:
            parse_sources(bad)
        assert caught.value.parameter == "source"


def test_precisions_and_max_uncertainty() -> None:
    assert parse_precisions("Exact, site,exact") == ("exact", "site")
    assert parse_precisions("sea_area") == ("sea_area",)
    for bad in ("", ",", "precise", "site,town"):
        with pytest.raises(InvalidInput, match="precision must be one or more of exact") as caught:
            parse_precisions(bad)
        assert caught.value.parameter == "precision"
        assert "sea_area" in str(caught.value)
    assert parse_max_uncertainty("5000") == 5000.0
    assert parse_max_uncertainty(" 0 ") == 0.0
    assert parse_max_uncertainty("5e3") == parse_max_uncertainty("+5000.") == 5000.0
    for bad in ("-1", "nan", "inf", "5 km", "", "5_000", "\u0665000"):
        with pytest.raises(InvalidInput, match="max_uncertainty_m must be a number of metres"):
            parse_max_uncertainty(bad)


@pytest.mark.parametrize("text", ["ten", "0", "-1", "1.5", "", "1e3", "10001", "9" * 5_000])
def test_limit_is_a_whole_number_within_the_maximum(text: str) -> None:
    assert parse_limit(" 25 ", maximum=10_000) == 25
    assert parse_limit("+10000", maximum=10_000) == 10_000
    with pytest.raises(InvalidInput, match="limit must be between 1 and 10000") as caught:
        parse_limit(text, maximum=10_000)
    assert caught.value.parameter == "limit"
    assert len(str(caught.value)) < 300


def test_cursor_round_trip_and_garbage() -> None:
    ident = uuid.uuid4()
    for day in (date(2015, 1, 2), None):
        assert Cursor.decode(Cursor(day, ident).encode()) == Cursor(day, ident)
    # [null,123] and ["2014-01-01",{"a":1}]: well-formed JSON with the wrong types inside.
    for garbage in (
        "",
        "!!!",
        "bm90IGpzb24",
        "WzEsMiwzXQ",
        "W251bGwsMTIzXQ",
        "WyIyMDE0LTAxLTAxIix7ImEiOjF9XQ",
    ):
        with pytest.raises(InvalidInput, match="follow the 'next' link"):
            Cursor.decode(garbage)


def test_bbox_value_object_is_hashable() -> None:
    assert len({BBox(0, 0, 1, 1), BBox(0, 0, 1, 1)}) == 1


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("params", "parameter", "fragment"),
    [
        ({"bbox": "1,2,3"}, "bbox", "bbox must be minx,miny,maxx,maxy"),
        ({"bbox": "0,0,200,1"}, "bbox", "longitude out of range"),
        ({"datetime": "last week"}, "datetime", "datetime must be an RFC 3339"),
        ({"datetime": "2016-01-01/2015-01-01"}, "datetime", "starts after it ends"),
        ({"datetime": "/"}, "datetime", "at least one end"),
        ({"datetime": "../.."}, "datetime", "at least one end"),
        ({"datetime": "0001-01-01T00:00:00+01:00"}, "datetime", "datetime must be an RFC 3339"),
        ({"category": "drowning"}, "category", "category must be one or more of death"),
        ({"country": "Greece"}, "country", "three-letter country code"),
        ({"corridor": "Central Med"}, "corridor", "slug like"),
        ({"cursor": "garbage!"}, "cursor", "follow the 'next' link"),
        ({"cursor": "W251bGwsMTIzXQ"}, "cursor", "follow the 'next' link"),
        ({"limit": "0"}, "limit", "limit must be between 1 and"),
        ({"precision": "town"}, "precision", "exact, site, locality, admin, country, sea_area"),
        ({"precision": ""}, "precision", "precision must be one or more of"),
        ({"max_uncertainty_m": "ten"}, "max_uncertainty_m", "number of metres"),
        ({"max_uncertainty_m": "-5"}, "max_uncertainty_m", "number of metres"),
        ({"source": "IOM MMP"}, "source", "dataset ids like 'iom-mmp'"),
        ({"source": ","}, "source", "dataset ids like 'iom-mmp'"),
        ({"source": "no-such-dataset"}, "source", "known sources: iom-mmp (see /sources)"),
        ({"source": "iom-mmp,ngo-x"}, "source", "unknown source 'ngo-x'"),
    ],
)
async def test_bad_query_parameters_are_400_problems(
    client: httpx.AsyncClient, params: dict[str, str], parameter: str, fragment: str
) -> None:
    response = await client.get("/incidents", params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400
    assert problem["title"] == "Bad Request"
    assert problem["parameter"] == parameter
    assert fragment in problem["detail"]
    assert problem["instance"] == "/incidents"


@pytest.mark.anyio
async def test_a_limit_that_is_not_a_number_is_a_readable_problem(
    client: httpx.AsyncClient,
) -> None:
    """Parsed by our parser (not FastAPI's, see api/deps.py), so it says what to send."""
    response = await client.get("/incidents", params={"limit": "ten"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["parameter"] == "limit"
    assert problem["detail"].startswith("limit must be between 1 and 10000")
    assert "integer" in problem["detail"] and "'ten'" in problem["detail"]


@pytest.mark.anyio
async def test_fastapi_validation_errors_are_readable_problems(settings: Settings) -> None:
    """The data routes type no parameter, but FastAPI's own validation stays a readable 400
    for any route that does (one added here, as a later router might)."""
    app = create_app(settings)

    @app.get("/typed")
    def typed(n: int) -> int:
        return n

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/typed", params={"n": "ten"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert detail.startswith("query parameter 'n': ")
    assert "integer" in detail and "'ten'" in detail


@pytest.mark.anyio
async def test_corridor_endpoints_validate_too(client: httpx.AsyncClient) -> None:
    response = await client.get("/corridors", params={"datetime": "2015-99-99"})
    assert response.status_code == 400
    assert "datetime must be" in response.json()["detail"]
    response = await client.get("/corridors/Not_A_Slug")
    assert response.status_code == 400
    assert response.json()["parameter"] == "slug"


async def _rejected(client: httpx.AsyncClient, url: str, parameter: str) -> str:
    """The detail of the 400 problem ``url`` gets, which must name ``parameter``."""
    response = await client.get(url)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["parameter"] == parameter
    return str(problem["detail"])


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "query", "parameter"),
    [
        ("/incidents", "category=death&category=pushback", "category"),
        ("/incidents", "bbox=1,2,3,4&limit=5&bbox=5,6,7,8", "bbox"),
        ("/incidents", "limit=1&limit=2", "limit"),
        ("/corridors", "datetime=2015-01-01&datetime=2016-01-01", "datetime"),
    ],
)
async def test_a_parameter_given_twice_is_a_400_not_silently_the_last(
    client: httpx.AsyncClient, path: str, query: str, parameter: str
) -> None:
    """Every parameter takes one value (lists are comma-separated); answering for the last
    of two would hide from the client that its first value was ignored."""
    detail = await _rejected(client, f"{path}?{query}", parameter)
    assert "given 2 times" in detail and "comma-separated" in detail


@pytest.mark.anyio
@pytest.mark.parametrize(
    "params",
    [
        {"bbox": "1," * 5_000},
        {"country": "A" * 5_000},
        {"corridor": "a" * 5_000},
        {"datetime": "2015-01-01/" + "9" * 5_000},
        {"limit": "9" * 5_000 + "x"},
    ],
)
async def test_a_huge_bad_value_is_not_echoed_whole(
    client: httpx.AsyncClient, params: dict[str, str]
) -> None:
    """The detail quotes the start of the value, enough to recognise it, not 10 kB of it."""
    response = await client.get("/incidents", params=params)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert len(detail) < 600, len(detail)
    assert "…" in detail


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("path", "query", "parameter"),
    [
        ("/incidents", "categroy=death", "categroy"),
        ("/incidents", "limit=5&bboxx=0,0,1,1", "bboxx"),
        ("/corridors", "limit=5", "limit"),
        ("/corridors/central-mediterranean/feature", "bbox=0,0,1,1", "bbox"),
    ],
)
async def test_an_unknown_query_parameter_is_a_400_naming_the_known_ones(
    client: httpx.AsyncClient, path: str, query: str, parameter: str
) -> None:
    """As OGC API Features asks: a typo must not silently answer for the unfiltered data."""
    detail = await _rejected(client, f"{path}?{query}", parameter)
    assert f"unknown query parameter '{parameter}'" in detail
    assert "datetime" in detail  # every one of these paths takes datetime


# A bad value for every parameter of the data routes; the test below fails for a new parameter
# that is not listed here.
BAD_VALUES = {
    "bbox": ["1,2", "0,0,200,1"],
    "datetime": ["yesterday", "2016-02-30"],
    "datetime_match": ["sometimes"],
    "category": ["drowning"],
    "corridor": ["Central Med"],
    "country": ["Greece"],
    "precision": ["town"],
    "max_uncertainty_m": ["ten", "-5"],
    "incident_type": ["single", ""],
    "review_state": ["rejected", "pending", "verified,rejected"],
    "source": ["", "iom mmp", "-iom", "iom-mmp,<script>", "a" * 101],
    "limit": ["ten", "-1", "0", "1.5", "", "9" * 5_000],
    "cursor": ["garbage!"],
    "id": ["not-a-uuid"],
    "slug": ["Not_A_Slug"],
    "f": ["xlsx", "html", "xml"],
    "layer": ["roads"],
    "z": ["17", "a", "-1"],  # tile path, and /map/countries.geojson (0-14)
    "x": ["1", "0x0"],  # at z=0 only 0 exists
    "y": ["1", " 0"],
    "crs": ["EPSG:3857"],
    "bbox-crs": ["http://www.opengis.net/def/crs/EPSG/0/3857"],
    "collectionId": ["Not-A-Collection!"],
    "featureId": ["Not_An_Id!"],
    "res": ["10", "-1", "four", "", "1.5"],  # bad for /heatmap (0-9) and /stats (1-6)
    "weight": ["people"],
    "mode": ["smear"],
    "format": ["csv"],
    "interval": ["week", ""],
    "eps_km": ["far", "0", "501", "nan"],
    "min_incidents": ["five", "1", "1001", "2.5"],
    "url": ["", "not-a-url", "ftp://t/corridors/x/map"],  # /oembed; an unknown URL is a 404
    "maxwidth": ["wide", "0", "-1", "100000"],
    "maxheight": ["tall", "0", "1.5"],
    "width": ["199", "2401", "wide", "", "640.5"],
    "height": ["149", "2401", "tall"],
    "theme": ["sepia"],
    "lang": ["de", "", "english"],
}
GOOD_PATH = {
    "id": str(uuid.uuid4()), "slug": "central-mediterranean",
    "layer": "incidents", "z": "0", "x": "0", "y": "0",
    "collectionId": "incidents", "featureId": str(uuid.uuid4()),
}  # fmt: skip
DOWN = "postgresql://postgres@127.0.0.1:1/none"  # nothing listens on port 1


def _data_route_cases() -> list[tuple[str, str, str, str]]:
    """(path template, parameter, where, bad value) for every data route's parameter."""
    spec = create_app(Settings(database_url=DOWN)).openapi()
    cases = []
    for template, item in spec["paths"].items():
        if template.startswith(
            (
                "/incidents",
                "/corridors",
                "/countries",
                "/sources",
                "/heatmap",
                "/clusters",
                "/stats",
                "/tiles",
                "/ogc",
                "/map",
                "/oembed",
                "/embed",
            )
        ):
            for param in item["get"].get("parameters", []):
                for value in BAD_VALUES.get(param["name"], [None]):  # None: unlisted, fails
                    cases.append((template, param["name"], param["in"], value))
    return cases


@pytest.mark.anyio
@pytest.mark.parametrize(("template", "parameter", "where", "value"), _data_route_cases())
async def test_every_bad_parameter_is_400_while_the_database_is_down(
    template: str, parameter: str, where: str, value: str | None
) -> None:
    """Our parsers, not FastAPI's type checks, validate every parameter, and they run before
    the connection is requested: with the database down a bad value is still the client's to
    fix (400), never a 503 telling it to retry the same request."""
    assert value is not None, f"add a bad value for {parameter!r} to BAD_VALUES"
    path = template.format(**{**GOOD_PATH, **({parameter: value} if where == "path" else {})})
    params = {parameter: value} if where == "query" else {}
    app = create_app(Settings(database_url=DOWN, connect_timeout_s=1))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.get(path, params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["parameter"] == parameter
    assert len(problem["detail"]) < 600
