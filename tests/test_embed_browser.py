"""The corridor embed in real headless Chromium: it draws its map with nothing but loopback
requests, fits a 360 px iframe on a third-party page without horizontal scrolling, tells that
page its height, lays Arabic out right to left, and works from exported static files."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
from sqlalchemy.engine import Engine

from maps.embed import embed_config_json
from maps.export import export_embeds
from tests.browser import OpenPage, PageWatch, assert_clean, screenshot

if TYPE_CHECKING:
    from playwright.sync_api import Page

SLUG = "central-mediterranean"
READY = "#embed[data-state=ready]"


@pytest.fixture
def newsroom() -> Iterator[Callable[[str], str]]:
    """A third-party site: its own HTTP server on another loopback origin (``localhost`` on
    another port; Chromium refuses to let a page on a public address frame a loopback one).
    ``newsroom(html)`` serves ``html`` as its article and returns the article's URL."""
    pages: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            body = pages.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def publish(html: str) -> str:
        pages["/story.html"] = html.encode()
        return f"http://localhost:{server.server_address[1]}/story.html"

    try:
        yield publish
    finally:
        server.shutdown()
        server.server_close()


def _hexagons_in_page(base: str, query: str = "") -> int:
    html = httpx.get(f"{base}/embed/corridors/{SLUG}{query}", timeout=60).text
    return len(embed_config_json(html)["hexagons"]["features"])


@pytest.mark.page_options(viewport=(720, 760))
def test_the_embed_draws_every_hexagon_with_only_loopback_requests(
    live_server: str, page: Page, watch: PageWatch
) -> None:
    page.goto(f"{live_server}/embed/corridors/{SLUG}")
    page.wait_for_selector(READY)
    expected = _hexagons_in_page(live_server)
    assert expected > 20
    assert page.locator("path.crossings-hex").count() == expected
    assert page.locator(".leaflet-control-attribution").inner_text().count("Natural Earth") == 1
    assert "IOM Missing Migrants Project" in page.locator(".embed-credit").inner_text()
    # the reader sees a figure (a tooltip) over a hexagon
    page.locator("path.crossings-hex").nth(expected // 2).hover(force=True)
    assert "dead or missing" in page.locator(".leaflet-tooltip").first.inner_text()
    assert page.evaluate("performance.getEntriesByName('crossings-rendered').length") == 1
    assert_clean(watch)
    screenshot(page, "embed-light", full_page=True)


@pytest.mark.page_options(viewport=(720, 760), color_scheme="dark")
def test_the_dark_embed(live_server: str, page: Page, watch: PageWatch) -> None:
    page.goto(f"{live_server}/embed/corridors/{SLUG}?theme=dark")
    page.wait_for_selector(READY)
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    channels = [int(c) for c in background[background.index("(") + 1 : -1].split(",")[:3]]
    assert sum(channels) < 150, background  # a dark page, not a light one
    assert_clean(watch)
    screenshot(page, "embed-dark", full_page=True)


def _newsroom_page(embed_url: str, width: int) -> str:
    """A third-party article with the iframe and the height listener newsroom CMSs use."""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Story</title>
<style>body {{ margin: 0; font-family: serif; }} p {{ margin: 1em; }}</style></head><body>
<p>A newsroom's article about the Central Mediterranean.</p>
<iframe id="crossings" src="{embed_url}" title="Map" height="300" loading="eager"
        style="border:0; width:{width}px; display:block"></iframe>
<script>
  window.heights = [];
  window.addEventListener("message", function (event) {{
    var data = event.data;
    if (!data || data.type !== "crossings:height") return;
    window.heights.push(data);
    document.getElementById("crossings").height = data.height;
  }});
</script></body></html>"""


@pytest.mark.page_options(viewport=(360, 740))
def test_in_a_360_px_iframe_it_fits_and_reports_its_height(
    live_server: str, page: Page, watch: PageWatch, newsroom: Callable[[str], str]
) -> None:
    embed_url = f"{live_server}/embed/corridors/{SLUG}?lang=fr"
    article = newsroom(_newsroom_page(embed_url, 360))
    assert article.split("/")[2] != live_server.split("/")[2]  # another origin
    page.goto(article)
    frame = page.frame_locator("#crossings")
    frame.locator(READY).wait_for()
    page.wait_for_function("window.heights.length > 0")
    message = page.evaluate("window.heights[window.heights.length - 1]")
    assert message["id"] == SLUG and message["height"] > 300
    embed = page.frames[1]
    widths = embed.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1] == 360, widths  # no horizontal scrolling
    content = embed.evaluate(
        "Math.ceil(document.getElementById('embed').getBoundingClientRect().height)"
    )
    assert abs(message["height"] - content) <= 1
    page.wait_for_function(f"document.getElementById('crossings').height == '{message['height']}'")
    # the resized iframe shows all of the embed: no vertical scrolling either
    assert embed.evaluate(
        "document.documentElement.scrollHeight <= document.documentElement.clientHeight + 1"
    )
    assert watch.blocked == [] and watch.page_errors == [] and watch.dialogs == []
    screenshot(page, "embed-iframe-360", full_page=True)


@pytest.mark.page_options(viewport=(600, 760))
def test_the_arabic_embed_lays_out_right_to_left(
    live_server: str, page: Page, watch: PageWatch
) -> None:
    page.goto(f"{live_server}/embed/corridors/{SLUG}?lang=ar")
    page.wait_for_selector(READY)
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    title = page.locator(".embed-title").bounding_box()
    main = page.locator("#embed").bounding_box()
    assert title is not None and main is not None
    # the title starts at the right edge (less the padding) and leaves room on the left
    assert abs((main["x"] + main["width"]) - (title["x"] + title["width"])) < 24
    text = page.locator(".embed-title").inner_text()
    assert text == "وسط البحر الأبيض المتوسط"
    assert page.locator("path.crossings-hex").count() == _hexagons_in_page(live_server, "?lang=ar")
    assert_clean(watch)
    screenshot(page, "embed-arabic", full_page=True)


def test_exported_files_draw_the_map_with_no_server(
    engine: Engine, open_page: OpenPage, tmp_path: Path
) -> None:
    with engine.connect() as conn:
        export_embeds(conn, tmp_path, slugs=("darien",), langs=("es",), themes=("light",))
    page, watch = open_page(viewport=(480, 700))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    html_path = tmp_path / "corridors" / "darien" / "es-light.html"
    page.goto(html_path.as_uri())
    page.wait_for_selector(READY)
    expected = len(embed_config_json(html_path.read_text())["hexagons"]["features"])
    assert expected > 0 and page.locator("path.crossings-hex").count() == expected
    assert all(url.startswith("file://") for url in requests), json.dumps(requests)
    assert_clean(watch)
