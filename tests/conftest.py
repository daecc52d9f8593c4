"""Test fixtures: one real PostGIS database per session, one rolled-back transaction per test.

The session database gets the schema, the reference layers and the bundled MMP sample once;
each test then runs inside a transaction that is rolled back, so tests never see each other's
writes. With ``CI`` set, an unreachable database fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from api.settings import DEFAULT_DATABASE_URL, Settings, to_sqlalchemy_url
from geo.db import create_engine
from geo.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_OLD = ROOT / "data" / "sample" / "mmp_export_2014_2017.csv"
SAMPLE_CURRENT = ROOT / "data" / "sample" / "mmp_current_layout_2014.csv"
IN_CI = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
# live_server, browser, page, committed_incidents, screenshot: the browser harness
pytest_plugins = ["tests.browser"]


def _server_url() -> str:
    url = os.environ.get("CROSSINGS_TEST_DATABASE_URL") or os.environ.get(
        "DATABASE_URL", DEFAULT_DATABASE_URL
    )
    return url.rsplit("/", 1)[0]


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh database for this session, dropped at the end."""
    server = _server_url()
    admin = sa.create_engine(to_sqlalchemy_url(server + "/postgres"), isolation_level="AUTOCOMMIT")
    name = f"crossings_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        message = f"PostGIS test database unavailable at {server}: {exc.orig}"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    try:
        yield f"{server}/{name}"
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    """No response cache: tests change data inside their own transaction, which the data
    version (committed changes) cannot see. tests/test_caching.py turns it on."""
    return Settings(database_url=database_url, cache_responses=False)


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    """Migrated database with reference layers and the deduplicated MMP sample (committed)."""
    from boundaries.load import load_boundaries
    from geo.dedupe import dedupe_events
    from geo.importers import run_import
    from geo.quality import check_placements

    upgrade(settings.sqlalchemy_url)
    eng = create_engine(settings.sqlalchemy_url)
    with eng.begin() as connection:
        load_boundaries(connection, if_changed=False)
    for path in (SAMPLE_OLD, SAMPLE_CURRENT):
        report = run_import(eng, importer="mmp", path=path)
        assert report.status == "succeeded", report.to_dict()
    with eng.begin() as connection:
        # As `make setup` does: fix swapped coordinates and flag impossible placements, then
        # link records that report the same event (totals count events).
        check_placements(connection)
        dedupe_events(connection)
    yield eng
    eng.dispose()


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        tx = connection.begin()
        try:
            yield connection
        finally:
            tx.rollback()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(settings: Settings, conn: Connection) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process; its database dependency answers from the test's transaction."""
    from api.app import create_app
    from api.deps import get_conn

    app = create_app(settings)

    def _conn() -> Iterator[Connection]:
        yield conn

    app.dependency_overrides[get_conn] = _conn
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as ac:
            yield ac
