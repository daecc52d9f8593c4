"""Errors: driver errors classified once, problem+json everywhere, no internals in a 5xx."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlalchemy.engine import Engine

from api.app import create_app
from api.deps import Conn
from api.errors import STATUS_CODES, status_for
from api.settings import Settings
from geo.db import create_engine
from geo.errors import (
    CrossingsError,
    DatabaseError,
    DatabaseUnavailable,
    InvalidInput,
    NotFound,
    QueryTimeout,
    translate_db_error,
)


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as ac:
            yield ac


def test_every_domain_error_has_a_status() -> None:
    assert status_for(InvalidInput("x")) == 400
    assert status_for(NotFound("x")) == 404
    assert status_for(DatabaseUnavailable("x")) == 503
    assert status_for(QueryTimeout("x")) == 503
    assert status_for(DatabaseError("x")) == 500

    class Unmapped(NotFound):
        pass

    assert status_for(Unmapped("x")) == 404  # subclasses inherit their parent's status
    assert set(STATUS_CODES) >= {CrossingsError, InvalidInput, NotFound, DatabaseUnavailable}


def test_driver_errors_are_classified(engine: Engine, database_url: str) -> None:
    unreachable = create_engine(
        to_url(database_url.rsplit("/", 1)[0] + f"/missing_{uuid.uuid4().hex[:8]}"),
        connect_timeout_s=2,
    )
    with pytest.raises(sa.exc.OperationalError) as caught:
        unreachable.connect()
    unreachable.dispose()
    assert isinstance(translate_db_error(caught.value), DatabaseUnavailable)

    with engine.connect() as conn, pytest.raises(sa.exc.ProgrammingError) as caught_sql:
        conn.execute(sa.text("SELECT * FROM no_such_table"))
    assert isinstance(translate_db_error(caught_sql.value), DatabaseError)

    with engine.connect() as conn, pytest.raises(sa.exc.OperationalError) as caught_slow:
        conn.execute(sa.text("SET statement_timeout = 50"))
        conn.execute(sa.text("SELECT pg_sleep(2)"))
    assert isinstance(translate_db_error(caught_slow.value), QueryTimeout)

    assert isinstance(translate_db_error(RuntimeError("boom")), DatabaseError)


def to_url(url: str) -> str:
    return Settings(database_url=url).sqlalchemy_url


@pytest.mark.anyio
async def test_statement_timeout_is_503_without_internals(
    engine: Engine, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """A real timeout: another session holds a lock, the API's statement waits, is cancelled."""
    app = create_app(settings.model_copy(update={"statement_timeout_ms": 200}))
    with engine.connect() as locker:
        locker.begin()
        locker.execute(sa.text("LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE"))
        async with serve(app) as client:
            with caplog.at_level(logging.ERROR, logger="crossings.api"):
                response = await client.get("/incidents")
        locker.rollback()
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"]
    problem = response.json()
    assert problem["detail"].startswith("The query took too long")
    for internal in ("statement timeout", "canceling", "SELECT", "incidents AS i", "psycopg"):
        assert internal not in response.text
    assert problem["request_id"] == response.headers["x-request-id"]
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert problem["request_id"] in logged and "statement timeout" in logged


@pytest.mark.anyio
async def test_driver_and_unknown_errors_are_500_without_internals(
    settings: Settings, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """Test-only routes: real SQL against a missing table, and a plain bug."""
    app = create_app(settings)

    @app.get("/broken-sql")
    def broken_sql(conn: Conn) -> None:
        conn.execute(sa.text("SELECT secret_column FROM secret_table_name"))

    @app.get("/broken-code")
    def broken_code() -> None:
        raise RuntimeError("secret internal state 42")

    async with serve(app) as client:
        with caplog.at_level(logging.ERROR, logger="crossings.api"):
            sql_error = await client.get("/broken-sql", headers={"X-Request-ID": "req-abc-123"})
            bug = await client.get("/broken-code")
    for response, secret in ((sql_error, "secret_table_name"), (bug, "secret internal state")):
        assert response.status_code == 500
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["title"] == "Internal Server Error"
        assert body["detail"].startswith("Internal server error")
        assert secret not in response.text
        assert "Traceback" not in response.text
        assert body["request_id"] == response.headers["x-request-id"]
    assert sql_error.json()["request_id"] == "req-abc-123"
    logged = " ".join(r.getMessage() + str(r.exc_info) for r in caplog.records)
    assert "secret_table_name" in logged and "secret internal state" in logged


@pytest.mark.anyio
async def test_unknown_path_and_method_are_problems(client: httpx.AsyncClient) -> None:
    missing = await client.get("/no/such/path")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert "see / for the available endpoints" in missing.json()["detail"]
    wrong_method = await client.post("/incidents")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["status"] == 405
    assert "GET" in wrong_method.headers["allow"]
    assert "HEAD" in wrong_method.headers["allow"]  # served wherever GET is (api.app.HeadAsGet)
    # says what to do instead, not only the reason phrase again
    assert wrong_method.json()["detail"] == "POST is not allowed here; use GET, HEAD"


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["/healthz", "/incidents?limit=2", "/corridors", "/"])
async def test_head_is_get_without_the_body(client: httpx.AsyncClient, path: str) -> None:
    """RFC 9110 (9.1): a server MUST support HEAD wherever GET works; CORS already allows it.
    Monitors probe /healthz with HEAD."""
    # identity: two computations of a collection differ in their timeStamp, and gzip turns a
    # changed digit into a changed length; uncompressed, the lengths are the same
    plain = {"Accept-Encoding": "identity"}
    get, head = await client.get(path, headers=plain), await client.head(path, headers=plain)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-length"] == get.headers["content-length"]
    assert head.headers["x-request-id"]
    # compressed, HEAD says what GET sends: the same encoding
    packed = {"Accept-Encoding": "gzip"}
    get, head = await client.get(path, headers=packed), await client.head(path, headers=packed)
    assert head.headers.get("content-encoding") == get.headers.get("content-encoding")


@pytest.mark.anyio
async def test_head_errors_are_the_get_status_without_a_body(client: httpx.AsyncClient) -> None:
    response = await client.head("/incidents?bbox=1,2")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.content == b""


@pytest.mark.anyio
async def test_request_connection_is_read_only(settings: Settings, engine: Engine) -> None:
    """The public API cannot write, even through a bug: its transaction is READ ONLY."""
    app = create_app(settings)

    @app.get("/probe")
    def probe(conn: Conn) -> dict[str, str]:
        return {"read_only": str(conn.execute(sa.text("SHOW transaction_read_only")).scalar())}

    @app.get("/write")
    def write(conn: Conn) -> None:
        conn.execute(sa.text("CREATE TABLE api_must_not_write (a int)"))

    async with serve(app) as client:
        assert (await client.get("/probe")).json() == {"read_only": "on"}
        response = await client.get("/write")
    assert response.status_code == 500
    assert "api_must_not_write" not in response.text
    with engine.connect() as conn:
        exists = conn.execute(sa.text("SELECT to_regclass('api_must_not_write')")).scalar()
    assert exists is None


@pytest.mark.anyio
async def test_exhausted_pool_is_503(settings: Settings) -> None:
    """Every pooled connection busy past pool_timeout: a retryable 503, not a hang or a 500."""
    app = create_app(settings.model_copy(update={"pool_size": 1, "pool_timeout_s": 0.2}))
    async with serve(app) as client:
        engine: Engine = app.state.engine
        held = [engine.connect() for _ in range(2)]  # pool_size + max_overflow
        try:
            busy = await client.get("/incidents")
        finally:
            for conn in held:
                conn.close()
        assert busy.status_code == 503
        assert busy.json()["detail"].startswith("The database is unavailable")
        assert (await client.get("/incidents", params={"limit": 1})).status_code == 200
