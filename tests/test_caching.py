"""ETags, 304s, gzip and the response cache, keyed on the data version (migration 0019)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from api.app import create_app
from api.caching import DataCacheMiddleware, ResponseCache, Stored
from api.settings import Settings
from geo.repo.version import data_version
from tests.conftest import SAMPLE_CURRENT

pytestmark = pytest.mark.anyio


@pytest.fixture
async def cached(settings: Settings, engine: Engine) -> AsyncIterator[tuple[Any, Any]]:
    """The app with its cache on, reading the committed session database (no override), and
    a version read on every request so a committed change shows at once."""
    app = create_app(
        settings.model_copy(update={"cache_responses": True, "cache_version_ttl_s": 0.0})
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as ac:
            yield app, ac


def _touch(engine: Engine) -> None:
    """A committed statement that changes nothing but counts as a change."""
    with engine.begin() as c:
        c.execute(sa.text("UPDATE countries SET name = name WHERE iso3 = 'GRC'"))


def _cache_of(app: Any) -> ResponseCache:
    layer = app.middleware_stack
    while not isinstance(layer, DataCacheMiddleware):
        layer = layer.app
    assert layer.cache is not None
    return layer.cache


async def test_data_responses_carry_an_etag_and_honour_if_none_match(
    cached: tuple[Any, httpx.AsyncClient], engine: Engine
) -> None:
    _, client = cached
    first = await client.get("/corridors")
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('W/"') and first.headers["cache-control"].startswith("public, max-age=")
    again = await client.get("/corridors", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    _touch(engine)
    after = await client.get("/corridors", headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.headers["etag"] != etag


async def test_repeated_requests_are_served_from_the_cache_until_the_data_changes(
    cached: tuple[Any, httpx.AsyncClient], engine: Engine
) -> None:
    app, client = cached
    url = "/incidents?limit=5&corridor=us-mexico"
    first = await client.get(url)
    cache = _cache_of(app)
    assert len(cache._entries) == 1
    second = await client.get(url)
    assert second.content == first.content  # the same bytes, timeStamp included
    _touch(engine)
    third = await client.get(url)
    assert third.headers["etag"] != first.headers["etag"]
    assert len(cache._entries) == 2  # a new entry under the new version
    assert json.loads(third.content)["features"] == json.loads(first.content)["features"]


async def test_errors_and_health_are_never_cached(
    cached: tuple[Any, httpx.AsyncClient],
) -> None:
    app, client = cached
    bad = await client.get("/incidents?limit=ten")
    assert bad.status_code == 400 and "etag" not in bad.headers
    health = await client.get("/healthz")
    assert health.status_code == 200 and "etag" not in health.headers
    assert len(_cache_of(app)._entries) == 0


async def test_large_json_is_gzipped_for_clients_that_accept_it(
    cached: tuple[Any, httpx.AsyncClient],
) -> None:
    _, client = cached
    plain = await client.get("/incidents?limit=2000", headers={"Accept-Encoding": "identity"})
    packed = await client.get("/incidents?limit=2000", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["vary"]
    # httpx decodes; the bytes on the wire are the compressed ones
    assert int(packed.headers["content-length"]) < len(plain.content) / 4
    assert json.loads(packed.content)["numberReturned"] == 2000


async def test_head_gets_the_cached_headers_without_a_body(
    cached: tuple[Any, httpx.AsyncClient],
) -> None:
    _, client = cached
    get = await client.get("/corridors")
    head = await client.head("/corridors")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == get.headers["etag"]


def test_an_import_that_changes_anything_changes_the_version(conn: Connection) -> None:
    """Inside one transaction: the version counts the import's own writes; a re-import of
    the same file is skipped before writing and leaves it as it was."""
    from geo.importers import run_import

    before = data_version(conn)
    report = run_import(conn, importer="mmp", path=SAMPLE_CURRENT, force=True, source="zz-ver")
    assert report.status == "succeeded" and report.inserted > 0
    after = data_version(conn)
    assert after > before
    again = run_import(conn, importer="mmp", path=SAMPLE_CURRENT, source="zz-ver")
    assert again.inserted == again.updated == 0
    assert data_version(conn) == after


def test_the_cache_keeps_within_its_bytes() -> None:
    cache = ResponseCache(max_bytes=10, entry_max_bytes=6)
    cache.put(("a",), Stored(200, [], b"12345"))
    cache.put(("b",), Stored(200, [], b"12345"))
    cache.put(("c",), Stored(200, [], b"1234567"))  # over the entry limit: not kept
    assert cache.get(("c",)) is None and cache.get(("a",)) is not None
    cache.put(("d",), Stored(200, [], b"123"))  # evicts the least recently used: b
    assert cache.get(("b",)) is None and cache.get(("a",)) and cache.get(("d",))


async def test_identical_requests_in_flight_are_computed_once(
    settings: Settings, engine: Engine
) -> None:
    """Five clients ask for the same slow URL at once: one computes, four wait and get the
    same bytes (no stampede of identical queries after an import)."""
    import anyio

    app = create_app(settings.model_copy(update={"cache_responses": True}))
    calls = []

    @app.get("/zz-slow")
    async def slow() -> dict[str, int]:
        calls.append(1)
        await anyio.sleep(0.3)
        return {"n": len(calls)}

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            responses: list[httpx.Response] = []

            async def ask() -> None:
                responses.append(await client.get("/zz-slow"))

            async with anyio.create_task_group() as tg:
                for _ in range(5):
                    tg.start_soon(ask)
    assert len(calls) == 1
    assert [r.status_code for r in responses] == [200] * 5
    assert {r.content for r in responses} == {b'{"n":1}'}
