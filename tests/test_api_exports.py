"""``/incidents?f=csv|parquet``: read back with pandas and geopandas, compared with the GeoJSON."""

from __future__ import annotations

import io
import json
import math
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import geopandas
import httpx
import pandas
import pyarrow.parquet as pq
import pytest
from sqlalchemy.engine import Connection

from api.settings import Settings
from geo.repo.filters import Cursor
from tests.factories import FUTURE, insert_incident

pytestmark = pytest.mark.anyio


async def _geojson(client: httpx.AsyncClient, **params: str) -> dict[str, dict[str, Any]]:
    response = await client.get("/incidents", params={"limit": "10000", **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["numberMatched"] == body["numberReturned"]
    return {f["id"]: f for f in body["features"]}


async def _export(client: httpx.AsyncClient, fmt: str, **params: str) -> httpx.Response:
    response = await client.get("/incidents", params={"f": fmt, **params})
    assert response.status_code == 200, response.text
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename=") and disposition.endswith(f'.{fmt}"')
    return response


def _same(value: Any, expected: Any) -> bool:
    """A CSV/Parquet cell against the GeoJSON value (nulls as NaN/None, numbers as floats)."""
    if expected is None:
        return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""
    if isinstance(expected, bool | str):
        return str(value) == str(expected)
    return math.isclose(float(value), float(expected), rel_tol=0, abs_tol=1e-9)


def _check_rows(rows: list[dict[str, Any]], features: dict[str, dict[str, Any]]) -> None:
    assert len(rows) == len(features)
    assert {r["id"] for r in rows} == set(features)  # one row per event
    for row in rows:
        feature = features[row["id"]]
        coords = feature["geometry"]["coordinates"] if feature["geometry"] else [None, None]
        assert _same(row["lon"], coords[0]) and _same(row["lat"], coords[1]), row["id"]
        for name, value in feature["properties"].items():
            if name == "sources":
                assert row["sources_count"] == len(value)
                assert str(row["sources_ids"]).split(";") == [s["id"] for s in value]
            elif name == "date":
                assert _same(None if value is None else str(row["date"])[:10], value)
            elif name == "review_reasons":
                joined = " | ".join(r["summary"] for r in value) or None
                assert _same(row[name], joined), (row["id"], row[name], value)
            else:
                assert _same(row[name], value), (row["id"], name, row[name], value)


FILTERS = [{}, {"corridor": "central-mediterranean"}, {"category": "death", "country": "MEX"}]


@pytest.mark.parametrize("filters", FILTERS)
async def test_csv_export_reads_back_with_pandas_equal_to_the_geojson(
    client: httpx.AsyncClient, filters: dict[str, str]
) -> None:
    features = await _geojson(client, **filters)
    response = await _export(client, "csv", **filters)
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert int(response.headers["x-number-matched"]) == len(features)
    frame = pandas.read_csv(io.BytesIO(response.content), dtype={"h3": str, "id": str})
    properties = [k for k in next(iter(features.values()))["properties"] if k != "sources"]
    assert list(frame.columns) == [
        "id", "lon", "lat", *properties, "sources_count", "sources_ids", "sources_names",
    ]  # fmt: skip
    rows = [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
        for r in frame.to_dict("records")
    ]
    _check_rows(rows, features)


@pytest.mark.parametrize("filters", FILTERS)
async def test_geoparquet_export_round_trips_through_geopandas(
    client: httpx.AsyncClient, filters: dict[str, str]
) -> None:
    features = await _geojson(client, **filters)
    response = await _export(client, "parquet", **filters)
    assert response.headers["content-type"] == "application/vnd.apache.parquet"
    assert int(response.headers["x-number-matched"]) == len(features)
    frame = geopandas.read_parquet(io.BytesIO(response.content))
    assert frame.crs is not None and frame.crs.equals("OGC:CRS84")
    assert len(frame) == len(features)
    for ident, point in zip(frame["id"], frame.geometry, strict=True):
        geometry = features[ident]["geometry"]
        if geometry is None:
            assert point is None
        else:
            assert (point.x, point.y) == tuple(geometry["coordinates"])
    table = pq.read_table(io.BytesIO(response.content))
    geo = json.loads(table.schema.metadata[b"geo"])
    assert geo["version"] == "1.1.0" and geo["primary_column"] == "geometry"
    assert geo["columns"]["geometry"]["covering"]["bbox"]["xmin"] == ["bbox", "xmin"]
    rows = table.drop_columns(["geometry", "bbox"]).to_pylist()
    _check_rows(rows, features)


async def test_exports_include_unlocated_events_and_see_the_request_transaction(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    """Streamed with the request's own connection: rows written in this (test) transaction
    are in the file, so the stream really reads while the response is sent."""
    located = insert_incident(conn, lon=12.25, lat=35.5, dead=3)
    unlocated = insert_incident(conn, lon=None, lat=None, missing=2)
    for fmt in ("csv", "parquet"):
        response = await _export(client, fmt, datetime=FUTURE)
        if fmt == "csv":
            frame = pandas.read_csv(io.BytesIO(response.content))
        else:
            frame = geopandas.read_parquet(io.BytesIO(response.content))
        by_id = frame.set_index("id")
        assert set(by_id.index) == {str(located), str(unlocated)}
        assert by_id.loc[str(located), "lon"] == 12.25
        assert by_id.loc[str(located), "dead"] == 3
        assert pandas.isna(by_id.loc[str(unlocated), "lon"])
        assert by_id.loc[str(unlocated), "missing"] == 2


async def test_export_of_nothing_is_a_file_with_the_columns_only(
    client: httpx.AsyncClient,
) -> None:
    csv = await _export(client, "csv", datetime="2099-01-01/..")
    assert csv.content.decode().splitlines()[0].startswith("id,lon,lat,date,")
    assert len(csv.content.decode().splitlines()) == 1
    parquet = await _export(client, "parquet", datetime="2099-01-01/..")
    assert len(geopandas.read_parquet(io.BytesIO(parquet.content))) == 0


@pytest.fixture
async def capped(settings: Settings, conn: Connection) -> AsyncIterator[httpx.AsyncClient]:
    """The app with an export cap of 10 rows, on the test's transaction."""
    from api.app import create_app
    from api.deps import get_conn

    app = create_app(settings.model_copy(update={"export_max_rows": 10}))

    def _conn() -> Iterator[Connection]:
        yield conn

    app.dependency_overrides[get_conn] = _conn
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as ac:
            yield ac


async def test_export_over_the_cap_is_a_400_asking_for_a_narrower_filter(
    capped: httpx.AsyncClient, conn: Connection
) -> None:
    response = await capped.get("/incidents", params={"f": "csv"})
    assert response.status_code == 400
    problem = response.json()
    assert problem["parameter"] == "f"
    assert "more than this server's limit of 10" in problem["detail"]
    assert "narrow the filters" in problem["detail"]
    for _ in range(10):
        insert_incident(conn)
    response = await capped.get("/incidents", params={"f": "csv", "datetime": FUTURE})
    assert response.status_code == 200  # exactly at the cap
    assert len(pandas.read_csv(io.BytesIO(response.content))) == 10


@pytest.mark.parametrize(
    ("params", "parameter", "fragment"),
    [
        ({"f": "xlsx"}, "f", "f must be one of geojson, csv, parquet"),
        ({"f": "csv", "limit": "5"}, "limit", "drop limit"),
        ({"f": "parquet", "cursor": Cursor(None, uuid.UUID(int=1)).encode()}, "cursor", "drop"),
    ],
)
async def test_bad_export_requests_are_400_problems(
    client: httpx.AsyncClient, params: dict[str, str], parameter: str, fragment: str
) -> None:
    response = await client.get("/incidents", params=params)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert problem["parameter"] == parameter
    assert fragment in problem["detail"]


async def test_f_geojson_is_the_default_paged_answer(client: httpx.AsyncClient) -> None:
    default = (await client.get("/incidents", params={"limit": "3"})).json()
    explicit = (await client.get("/incidents", params={"limit": "3", "f": "geojson"})).json()
    assert [f["id"] for f in default["features"]] == [f["id"] for f in explicit["features"]]
