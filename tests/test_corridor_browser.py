"""The corridor page and its oEmbed snippet in a real headless Chromium (tests/browser.py):
no console error, nothing loaded from another host, data text shown literally, and the oEmbed
HTML working on a third-party page."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.browser import PageWatch, assert_clean, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Page

SLUG = "central-mediterranean"


def _ready(page: Page) -> None:
    page.wait_for_selector("body[data-state=ready]")
    page.evaluate("window.crossings.ready")


@pytest.mark.page_options(viewport=(1280, 900))
def test_the_corridor_page_loads_clean_and_draws_its_data(
    live_server: str, page: Page, watch: PageWatch
) -> None:
    response = page.goto(f"{live_server}/corridors/{SLUG}/map")
    assert response is not None and response.status == 200
    _ready(page)
    totals = httpx.get(f"{live_server}/corridors/{SLUG}", timeout=30).json()["totals"]
    shown = page.locator("[data-total=incidents]").text_content() or ""
    assert int(shown.replace(",", "")) == totals["incidents"]
    # the map drew: the basemap, the corridor, hexagons and cluster hulls are SVG paths
    assert page.locator(".cx-map path.leaflet-interactive").count() > 20
    assert page.locator(".cx-map .leaflet-control-attribution").inner_text().count("Natural Earth")
    # the chart: one bar per period of the series
    series = httpx.get(
        f"{live_server}/corridors/{SLUG}/timeseries", params={"interval": "month"}, timeout=30
    ).json()
    assert page.locator("svg.cx-bars rect.cx-bar").count() == len(series["periods"])
    assert_clean(watch)
    screenshot(page, "corridor-page")


@contextmanager
def _renamed(engine: Engine, name: str) -> Iterator[None]:
    """The corridor's name changed and committed (the live server sees it), then restored."""
    with engine.begin() as c:
        old = c.execute(
            sa.text("SELECT name FROM corridors WHERE slug = :s"), {"s": SLUG}
        ).scalar_one()
        c.execute(sa.text("UPDATE corridors SET name = :n WHERE slug = :s"), {"n": name, "s": SLUG})
    try:
        yield
    finally:
        with engine.begin() as c:
            c.execute(
                sa.text("UPDATE corridors SET name = :n WHERE slug = :s"), {"n": old, "s": SLUG}
            )


XSS = "<img src=x onerror=alert(1)> & </textarea><script>alert(2)</script>"


def test_a_hostile_corridor_name_shows_as_text_and_runs_nothing(
    live_server: str, engine: Engine, page: Page, watch: PageWatch
) -> None:
    with _renamed(engine, XSS):
        page.goto(f"{live_server}/corridors/{SLUG}/map")
        _ready(page)
        assert page.locator("h1").inner_text() == XSS
        assert page.title() == f"{XSS} · Crossings"
        code = page.locator("#embed-code").input_value()  # the snippet, literally
        assert code.startswith("<iframe ") and "&lt;img src=x" in code
    assert page.locator("img[src=x]").count() == 0
    assert_clean(watch)


@contextmanager
def _newsroom(snippet: str) -> Iterator[str]:
    """A third-party article holding ``snippet``, served over real HTTP at another origin
    (``localhost`` on its own port; the app is at 127.0.0.1). A loopback origin: Chromium
    refuses to frame a loopback page from a public one (Private Network Access)."""
    article = (
        "<!doctype html><html><head><meta charset=utf-8><title>A story</title></head>"
        '<body style="margin:0"><main style="width:360px;margin:0 auto"><h1>A story</h1>'
        f"{snippet}<p>After the map.</p></main></body></html>"
    ).encode()

    class Article(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(article)))
            self.end_headers()
            self.wfile.write(article)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Article)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/story"
    finally:
        server.shutdown()
        server.server_close()


def _embed_frame_url(page: Page, live_server: str) -> str:
    page.wait_for_function(
        "(base) => [...document.querySelectorAll('iframe')].some(f => f.contentWindow)",
        arg=live_server,
    )
    frame = page.frames[1]
    frame.wait_for_load_state()
    return frame.url


def test_the_oembed_html_sizes_its_iframe_on_a_third_party_page(
    live_server: str, page: Page, watch: PageWatch
) -> None:
    """The listener trusts only the provider's origin and the iframe that sent the message:
    a message from the article itself, or for another corridor, changes nothing."""
    url = f"{live_server}/corridors/{SLUG}/map"
    body = httpx.get(f"{live_server}/oembed", params={"url": url}, timeout=30).json()
    with _newsroom(body["html"]) as article:
        page.goto(article)
        frame_url = _embed_frame_url(page, live_server)
    assert frame_url == f"{live_server}/embed/corridors/{SLUG}"
    iframe = page.locator("iframe[data-crossings-embed]")
    assert iframe.get_attribute("title") == body["title"]
    # a message from the article's own origin is ignored
    page.evaluate(
        "(slug) => window.postMessage({type: 'crossings:height', height: 111, id: slug}, '*')",
        SLUG,
    )
    # the embed reports its height: the iframe takes it (as the lead's embed page does on load)
    page.frames[1].evaluate(
        "(slug) => parent.postMessage({type: 'crossings:height', height: 777.4, id: slug}, '*')",
        SLUG,
    )
    page.wait_for_function(
        "() => document.querySelector('iframe[data-crossings-embed]').style.height === '778px'"
    )
    page.frames[1].evaluate(
        "() => parent.postMessage({type: 'crossings:height', height: 50, id: 'other'}, '*')"
    )
    page.frames[1].evaluate("() => new Promise(r => setTimeout(r, 0))")  # a turn of its loop
    assert iframe.evaluate("f => f.style.height") == "778px"
    assert iframe.evaluate("f => f.getBoundingClientRect().height") == 778
    # the 360 px column holds the iframe: it is as wide as the column, not wider
    assert iframe.evaluate("f => f.getBoundingClientRect().width") == 360
    assert_clean(watch, allow_console="404")  # until the embed page is merged, its 404


def test_the_oembed_html_renders_the_same_map(
    live_server: str, engine: Engine, page: Page, watch: PageWatch
) -> None:
    """The iframe of the oEmbed answer shows the embed of the very corridor and filters of the
    URL asked for, on a third-party page, with its title text shown literally."""
    probe = httpx.get(f"{live_server}/embed/corridors/{SLUG}", timeout=30)
    if probe.status_code == 404 and "no such path" in probe.text:
        pytest.skip("the embed page (/embed/corridors/{slug}) is not on this branch yet")
    url = f"{live_server}/embed/corridors/{SLUG}?category=death&theme=dark"
    with _renamed(engine, XSS):
        body = httpx.get(f"{live_server}/oembed", params={"url": url}, timeout=30).json()
        with _newsroom(body["html"]) as article:
            page.goto(article)
            frame_url = _embed_frame_url(page, live_server)
        assert frame_url == (f"{live_server}/embed/corridors/{SLUG}?category=death&theme=dark")
        frame = page.frames[1]
        frame.wait_for_load_state("load")
        assert XSS in (frame.locator("body").inner_text() or "")
        assert page.locator("iframe").get_attribute("title") == body["title"]
        # the embed reports its height by itself
        page.wait_for_function(
            "() => /^[0-9]+px$/.test(document.querySelector('iframe').style.height)"
        )
    assert watch.dialogs == []
    assert_clean(watch, allow_console=None)
    assert json.dumps(watch.problems()) == "{}"
