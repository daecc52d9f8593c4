"""Browser test harness (a pytest plugin, loaded by ``tests/conftest.py``): a live server, a real
headless Chromium, and pages that cannot reach the internet.

- ``live_server``: ``crossings serve`` on a free 127.0.0.1 port, serving the committed session
  database (the MMP sample). Its response cache is off and it reads the data version on every
  request, so data committed by a test is what the next request sees.
- ``browser``: Debian's Chromium (``/usr/bin/chromium``, installed by ``.ci/ensure-chromium``)
  driven by Playwright's Python package. Playwright's own browser download is never used.
  Missing Chromium or Playwright skips the browser tests locally and fails them in CI.
- ``page`` and ``watch``: a fresh context and page; every request to a host other than
  127.0.0.1, localhost or [::1] is aborted and recorded, console errors, uncaught page errors and
  dialogs are recorded (dialogs dismissed). ``assert_clean(watch)`` fails on any of them.
  ``@pytest.mark.page_options(viewport=(375, 667), color_scheme="dark", device_scale_factor=2)``
  sets the context; ``open_page(...)`` opens more pages in one test.
- ``committed_incidents``: public incidents imported and committed (so the live server sees
  them), deleted with their import runs on leaving.
- ``screenshot(page, name)``: ``docs/img/<name>.png``, written only with ``CROSSINGS_SCREENSHOTS=1``
  (``make screenshots``), so tests never change the tree otherwise.

Every test that uses ``browser`` (directly or through ``page``) is marked ``browser``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from geo.importers import run_import
from geo.report import ImportReport
from tests.conftest import IN_CI

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Dialog, Page, Route

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CROSSINGS_CHROMIUM", "/usr/bin/chromium")
SCREENSHOT_DIR = ROOT / "docs" / "img"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# Requests that escape the route handler (service workers, WebSockets) go to this proxy, which
# refuses them; loopback addresses bypass it. Port 9 (discard) has no listener here.
_REFUSING_PROXY = {
    "server": "http://127.0.0.1:9",
    "bypass": "<-loopback>,127.0.0.1,localhost,[::1]",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives a real headless Chromium (tests/browser.py)"
    )
    config.addinivalue_line(
        "markers",
        "page_options(viewport=(w, h), color_scheme=..., device_scale_factor=...): "
        "the browser context of the `page` fixture",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _uses_browser(item):
            item.add_marker(pytest.mark.browser)


def _uses_browser(item: pytest.Item) -> bool:
    return "browser" in getattr(item, "fixturenames", ())


# Playwright's sync API runs its event loop in a greenlet and, between calls, leaves it marked
# as the thread's running loop (on purpose: asyncio code would otherwise run on it by mistake).
# While the session's browser is open, every async test (anyio) would then fail with "Cannot
# run the event loop while another loop is running". Tests that do not use the browser run
# with the mark cleared; it is put back after each phase for the next browser call.
_playwright_loop: asyncio.AbstractEventLoop | None = None


@contextmanager
def _outside_playwright_loop(item: pytest.Item) -> Iterator[None]:
    loop = asyncio._get_running_loop()
    if loop is None or loop is not _playwright_loop or _uses_browser(item):
        yield
        return
    asyncio._set_running_loop(None)
    try:
        yield
    finally:
        if not loop.is_closed() and asyncio._get_running_loop() is None:
            asyncio._set_running_loop(loop)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    with _outside_playwright_loop(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    with _outside_playwright_loop(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    with _outside_playwright_loop(item):
        return (yield)


def unavailable(message: str) -> NoReturn:
    """Skip locally; fail in CI, where the setup must have installed it."""
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


# Live server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(database_url: str, **settings: str) -> Iterator[str]:
    """``crossings serve`` in a subprocess on a free loopback port; yields its base URL.
    ``settings`` are extra ``CROSSINGS_*`` variables (``cache_responses="false"``)."""
    port = free_port()
    env = {
        **os.environ,
        "CROSSINGS_DATABASE_URL": database_url,
        "DATABASE_URL": database_url,
        **{f"CROSSINGS_{k.upper()}": v for k, v in settings.items()},
    }
    command = [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    # The server's log goes to a file: a pipe nobody reads would stop it once full.
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=ROOT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"crossings serve did not come up on {base}:\n{log.read()[-4000:]}")
                time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def live_server(engine: Engine, database_url: str) -> Iterator[str]:
    """The app served over real HTTP from the committed session database; yields its base URL.
    No response cache, and the data version read on every request (ETags stay exact): a test
    that commits data sees it on its next request."""
    with serve(database_url, cache_responses="false", cache_version_ttl_s="0") as base:
        yield base


# Browser -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium under Playwright (one per session)."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        unavailable("playwright is not installed; pip install -e '.[dev]'")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        unavailable(f"{CHROMIUM} is missing; run .ci/ensure-chromium (make chromium)")
    global _playwright_loop
    with sync_playwright() as playwright:
        _playwright_loop = asyncio._get_running_loop()
        try:
            instance = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=chromium_args(), proxy=_REFUSING_PROXY
            )
        except Error as exc:
            pytest.fail(f"Playwright could not start {CHROMIUM}: {exc}", pytrace=False)
        yield instance
        # The session may end in a test that ran with the loop's mark cleared (see above).
        if asyncio._get_running_loop() is None and _playwright_loop is not None:
            asyncio._set_running_loop(_playwright_loop)
        instance.close()
    _playwright_loop = None


def chromium_args() -> list[str]:
    """Chromium's sandbox needs user namespaces, which root in a container rarely has."""
    return ["--no-sandbox"] if os.geteuid() == 0 else []


@dataclass
class PageWatch:
    """What a page did that a clean page must not: each entry a readable string."""

    blocked: list[str] = field(default_factory=list)  # URLs of aborted non-loopback requests
    console_errors: list[str] = field(default_factory=list)  # console.error and failed loads
    page_errors: list[str] = field(default_factory=list)  # uncaught exceptions
    dialogs: list[str] = field(default_factory=list)  # "alert: 1"; each one dismissed

    def problems(self) -> dict[str, list[str]]:
        return {k: v for k, v in vars(self).items() if v}


def assert_clean(watch: PageWatch, *, allow_console: str | None = None) -> None:
    """No blocked request, console error, page error or dialog. ``allow_console`` is a regular
    expression of console errors to accept (say, an expected 404 a test asks for)."""
    problems = watch.problems()
    if allow_console and "console_errors" in problems:
        kept = [m for m in problems["console_errors"] if not re.search(allow_console, m)]
        problems = {k: v for k, v in problems.items() if k != "console_errors"}
        if kept:
            problems["console_errors"] = kept
    assert not problems, "page is not clean:\n" + json.dumps(problems, indent=2)


def is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss"):
        return True  # data:, blob:, about: never leave the browser
    return (parts.hostname or "") in LOOPBACK_HOSTS


def watch_context(context: BrowserContext) -> PageWatch:
    """Route every request of ``context`` through the loopback check, recording what is
    blocked. (Routing also turns off the browser's HTTP cache for the context.)"""
    watch = PageWatch()

    def route(route: Route) -> None:
        url = route.request.url
        if is_loopback(url):
            route.continue_()
        else:
            watch.blocked.append(url)
            route.abort("blockedbyclient")

    context.route("**/*", route)
    return watch


def watch_page(page: Page, watch: PageWatch) -> None:
    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            watch.console_errors.append(f"{message.text} ({where})" if where else message.text)

    def dialog(d: Dialog) -> None:
        watch.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    page.on("console", console)
    page.on("pageerror", lambda exc: watch.page_errors.append(str(exc)))
    page.on("dialog", dialog)


OpenPage = Callable[..., tuple["Page", PageWatch]]


@pytest.fixture
def open_page(browser: Browser) -> Iterator[OpenPage]:
    """``open_page(viewport=(w, h), color_scheme="light"|"dark", device_scale_factor=1.0,
    **context_options)`` → ``(page, watch)`` in a new context, closed after the test."""
    contexts: list[BrowserContext] = []

    def _open(
        *,
        viewport: tuple[int, int] = (1280, 800),
        color_scheme: str = "light",
        device_scale_factor: float = 1.0,
        **options: Any,
    ) -> tuple[Page, PageWatch]:
        context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]},
            color_scheme=color_scheme,  # type: ignore[arg-type]
            device_scale_factor=device_scale_factor,
            service_workers="block",  # their requests would bypass the route below
            **options,
        )
        contexts.append(context)
        context.set_default_timeout(15_000)
        watch = watch_context(context)
        page = context.new_page()
        watch_page(page, watch)
        return page, watch

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def _watched_page(request: pytest.FixtureRequest, open_page: OpenPage) -> tuple[Page, PageWatch]:
    marker = request.node.get_closest_marker("page_options")
    return open_page(**(marker.kwargs if marker else {}))


@pytest.fixture
def page(_watched_page: tuple[Page, PageWatch]) -> Page:
    """A new page in a new context (see ``page_options``); non-loopback requests aborted."""
    return _watched_page[0]


@pytest.fixture
def watch(_watched_page: tuple[Page, PageWatch]) -> PageWatch:
    """What ``page`` did: blocked requests, console errors, page errors, dialogs."""
    return _watched_page[1]


def screenshot(page: Page, name: str, *, full_page: bool = False) -> Path | None:
    """``docs/img/<name>.png`` when ``CROSSINGS_SCREENSHOTS=1`` (``make screenshots``); else
    nothing, so test runs never modify the tree. Returns the path written, if any."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise ValueError(f"screenshot name {name!r}: use lowercase letters, digits, - and _")
    if os.environ.get("CROSSINGS_SCREENSHOTS") != "1":
        return None
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path


# Committed data ------------------------------------------------------------------------------


def incident_feature(
    source_id: str,
    lon: float,
    lat: float,
    *,
    event_date: str = "2021-02-03",
    category: str = "death",
    **properties: Any,
) -> dict[str, Any]:
    """One GeoJSON point feature in the importer's field names (``geo.importers.geojson``)."""
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "id": source_id,
            "event_date": event_date,
            "category": category,
            **properties,
        },
    }


CommittedIncidents = Callable[..., Any]


@pytest.fixture
def committed_incidents(engine: Engine) -> CommittedIncidents:
    """``with committed_incidents([incident_feature(...), ...], source="test-xss") as report:``
    imports the features (public, committed: the live server sees them) and, on leaving, deletes
    that source's incidents and import runs, so later tests see the sample's exact totals.
    The source must start with ``test-`` and hold nothing yet."""

    @contextmanager
    def _committed(
        features: list[dict[str, Any]], *, source: str = "test-browser"
    ) -> Iterator[ImportReport]:
        if not source.startswith("test-"):
            raise ValueError(f"source {source!r}: committed test data must use a test- source")
        with engine.connect() as c:
            held = c.execute(
                sa.text("SELECT count(*) FROM incidents WHERE source = :s"), {"s": source}
            ).scalar_one()
        if held:
            raise AssertionError(f"source {source!r} already holds {held} incidents")
        try:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / f"{source}.geojson"
                path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
                report = run_import(engine, importer="geojson", path=path, source=source)
            assert report.status == "succeeded", report.to_dict()
            assert report.inserted == len(features), report.to_dict()
            yield report
        finally:
            with engine.begin() as c:
                c.execute(sa.text("DELETE FROM incidents WHERE source = :s"), {"s": source})
                c.execute(sa.text("DELETE FROM import_runs WHERE source = :s"), {"s": source})

    return _committed
