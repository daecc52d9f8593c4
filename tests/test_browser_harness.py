"""The browser harness itself (tests/browser.py): what it blocks and records is what the map
page tests rely on, so each guarantee is shown here on a page built to break it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.browser import (
    SCREENSHOT_DIR,
    CommittedIncidents,
    OpenPage,
    PageWatch,
    assert_clean,
    incident_feature,
    is_loopback,
    screenshot,
)

if TYPE_CHECKING:  # a missing playwright skips (locally) in the browser fixture instead
    from playwright.sync_api import Page

# A box and day the MMP sample (2014-2017) has nothing in: only the test record can match.
LESBOS = "26.0,39.0,26.8,39.5"
DAY = "2021-02-03"


def _matched(base: str, **params: str) -> int:
    r = httpx.get(f"{base}/incidents", params={"limit": "1", **params}, timeout=30)
    assert r.status_code == 200, r.text
    return int(r.json()["numberMatched"])


def test_loopback_hosts_pass_and_others_do_not() -> None:
    assert is_loopback("http://127.0.0.1:8000/map")
    assert is_loopback("http://localhost/x") and is_loopback("http://[::1]:80/x")
    assert is_loopback("data:image/png;base64,AAAA")
    assert not is_loopback("https://example.org/x.png")
    assert not is_loopback("http://127.0.0.1.example.org/x")  # a lookalike host
    assert not is_loopback("https://tile.openstreetmap.org/1/0/0.png")


def test_a_request_to_another_host_is_blocked_and_recorded(page: Page, watch: PageWatch) -> None:
    page.set_content('<img id="x" src="https://example.org/x.png" alt="x">')
    page.wait_for_function("document.getElementById('x').complete")
    assert watch.blocked == ["https://example.org/x.png"]
    # the image never loaded: the browser saw a failed request, not a picture
    assert page.evaluate("document.getElementById('x').naturalWidth") == 0
    with pytest.raises(AssertionError, match="example.org"):
        assert_clean(watch)


def test_a_fetch_to_another_host_fails_in_the_page(page: Page, watch: PageWatch) -> None:
    outcome = page.evaluate(
        "fetch('https://cdn.example.net/lib.js').then(() => 'loaded', e => e.name)"
    )
    assert outcome == "TypeError"
    assert watch.blocked == ["https://cdn.example.net/lib.js"]


def test_a_websocket_to_another_host_never_opens(page: Page) -> None:
    # WebSockets bypass request routing; the browser's refusing proxy stops them.
    outcome = page.evaluate(
        """() => new Promise(done => {
            const ws = new WebSocket('wss://example.org/socket');
            ws.onopen = () => done('open');
            ws.onerror = () => done('error');
            setTimeout(() => done('timeout'), 10000);
        })"""
    )
    assert outcome == "error"


def test_an_alert_is_recorded_and_dismissed(page: Page, watch: PageWatch) -> None:
    page.set_content("<script>alert(1)</script><p id='after'>after</p>")
    assert page.text_content("#after") == "after"  # the page went on: the dialog was dismissed
    assert watch.dialogs == ["alert: 1"]
    answer = page.evaluate("confirm('sure?')")
    assert answer is False and watch.dialogs[-1] == "confirm: sure?"
    with pytest.raises(AssertionError, match="alert: 1"):
        assert_clean(watch)


def test_console_errors_and_uncaught_exceptions_are_recorded(page: Page, watch: PageWatch) -> None:
    page.set_content(
        "<script>console.error('boom', 42); console.log('fine');</script>"
        "<script>undefinedFunction()</script>"
    )
    assert watch.console_errors == ["boom 42"]
    assert len(watch.page_errors) == 1 and "undefinedFunction" in watch.page_errors[0]
    assert watch.blocked == [] and watch.dialogs == []
    with pytest.raises(AssertionError, match="boom 42"):
        assert_clean(watch)


def test_allowed_console_errors_are_accepted_by_pattern() -> None:
    watch = PageWatch(console_errors=["Failed to load resource: 404 (http://127.0.0.1/none)"])
    assert_clean(watch, allow_console=r"status of 404|: 404")
    with pytest.raises(AssertionError):
        assert_clean(watch, allow_console="nothing like it")


def test_the_live_server_healthz_loads_clean(
    live_server: str, page: Page, watch: PageWatch
) -> None:
    response = page.goto(f"{live_server}/healthz")
    assert response is not None and response.status == 200
    assert '"status"' in page.text_content("body")
    assert_clean(watch)


@pytest.mark.page_options(viewport=(375, 667), color_scheme="dark", device_scale_factor=2)
def test_page_options_set_the_context(page: Page) -> None:
    page.set_content("<p>x</p>")
    assert page.evaluate("[innerWidth, innerHeight, devicePixelRatio]") == [375, 667, 2]
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") is True


def test_open_page_gives_independent_contexts(open_page: OpenPage) -> None:
    light, light_watch = open_page()
    dark, dark_watch = open_page(color_scheme="dark", viewport=(800, 600))
    light.set_content("<script>console.error('only here')</script>")
    dark.set_content("<p>quiet</p>")
    assert light_watch.console_errors == ["only here"] and dark_watch.console_errors == []
    assert dark.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") is True
    assert light.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") is False


@pytest.mark.anyio
async def test_async_tests_run_while_the_browser_is_open(client: object) -> None:
    """Playwright's sync API keeps its own event loop for the session (the browser opened by
    the tests above, used again by the ones below); the in-process async client of the API
    tests must still work beside it (the full suite mixes both)."""
    assert isinstance(client, httpx.AsyncClient)
    r = await client.get("/healthz")
    assert r.status_code == 200


def test_committed_incidents_are_served_while_inside_and_gone_after(
    live_server: str, committed_incidents: CommittedIncidents, page: Page, watch: PageWatch
) -> None:
    total = _matched(live_server)
    assert total > 0 and _matched(live_server, bbox=LESBOS, datetime=DAY) == 0
    xss = '<img src=x onerror="alert(1)">Lesbos </script>'
    central_med = _matched(live_server, corridor="central-mediterranean")
    features = [
        incident_feature("XSS-1", 26.4, 39.2, event_date=DAY, dead=3, location_text=xss),
        incident_feature("XSS-2", 13.0, 34.5, event_date=DAY, missing=5, cause=xss),
    ]
    with committed_incidents(features, source="test-xss") as report:
        assert report.inserted == 2
        assert _matched(live_server) == total + 2
        assert _matched(live_server, bbox=LESBOS, datetime=DAY) == 1
        # enriched as any import is: the point off Libya counts in its corridor
        assert _matched(live_server, corridor="central-mediterranean") == central_med + 1
        # the browser sees it too, as JSON text (nothing ran)
        response = page.goto(f"{live_server}/incidents?bbox={LESBOS}&datetime={DAY}")
        assert response is not None and response.status == 200
        body = response.json()
        assert body["features"][0]["properties"]["location"] == xss
        assert body["features"][0]["properties"]["dead"] == 3
    assert _matched(live_server, bbox=LESBOS, datetime=DAY) == 0
    assert _matched(live_server) == total  # the sample's exact totals again
    assert _matched(live_server, corridor="central-mediterranean") == central_med
    assert_clean(watch)


def test_committed_incidents_refuse_a_source_that_is_not_a_test_one(
    committed_incidents: CommittedIncidents,
) -> None:
    with pytest.raises(ValueError, match="test-"):
        with committed_incidents([], source="mmp"):
            pass


def test_screenshots_are_written_only_when_asked(
    page: Page, monkeypatch: pytest.MonkeyPatch
) -> None:
    page.set_content("<p>x</p>")
    monkeypatch.delenv("CROSSINGS_SCREENSHOTS", raising=False)
    assert screenshot(page, "harness-never-written") is None
    assert not (SCREENSHOT_DIR / "harness-never-written.png").exists()
    with pytest.raises(ValueError):
        screenshot(page, "../escape")


@pytest.mark.skipif(os.environ.get("CROSSINGS_SCREENSHOTS") != "1", reason="make screenshots")
def test_screenshot_writes_a_png_when_asked(page: Page) -> None:
    page.set_content("<p style='font: 40px sans-serif'>Crossings</p>")
    path = screenshot(page, "harness-check")
    assert path is not None and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    Path(path).unlink()  # proves the mechanism; not a picture the docs use
