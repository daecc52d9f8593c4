"""The monitor map in a real headless Chromium (tests/browser.py): offline, one polygon per
heatmap cell, popups with the API's numbers, filters that redraw with the API's totals, data
text shown literally. Every wait is on a state the page exposes (``data-state``,
``window.crossings.redraws``), never a sleep."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from tests.browser import (
    CommittedIncidents,
    PageWatch,
    assert_clean,
    incident_feature,
    screenshot,
)

if TYPE_CHECKING:  # a missing playwright skips (locally) in the browser fixture instead
    from playwright.sync_api import Page

READY = "document.body.dataset.state === 'ready'"
PATTERN_READY = "document.body.dataset.pattern === 'ready'"
XSS = "<img src=x onerror=alert(1)>"


def _open(page: Page, url: str, *, pattern: bool = False) -> None:
    page.goto(url)
    page.wait_for_function(READY)
    if pattern:
        page.wait_for_function(PATTERN_READY)


def _redraws(page: Page) -> int:
    return int(page.evaluate("window.crossings.redraws"))


def _wait_redrawn(page: Page, before: int) -> None:
    page.wait_for_function(f"window.crossings.redraws > {before} && {READY}")


def _api(live_server: str, path_and_query: str) -> Any:
    response = httpx.get(f"{live_server}{path_and_query}", timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def _fmt(n: int) -> str:
    return f"{n:,}"


def test_map_loads_offline_with_no_errors(live_server: str, page: Page, watch: PageWatch) -> None:
    _open(page, f"{live_server}/map", pattern=True)
    assert_clean(watch)  # no blocked (non-loopback) request, console error or dialog
    assert page.locator(".leaflet-control-layers").count() == 1
    assert page.locator(".leaflet-control-scale").count() == 1
    assert page.locator(".leaflet-control-zoom-fullscreen, .leaflet-control-fullscreen").count()
    attribution = page.locator(".leaflet-control-attribution").inner_text()
    assert "IOM Missing Migrants Project" in attribution and "Natural Earth" in attribution
    summary = page.locator("#cx-pattern-summary").inner_text()
    pattern = _api(live_server, "/stats/global-pattern")
    assert summary == pattern["summary"]
    assert page.locator("#cx-pattern-table tbody tr").count() == len(pattern["regions"])
    assert page.locator(".cx-scale li").count() >= 7  # the palette's classes and "no count"
    screenshot(page, "monitor-map")


def test_hex_layer_draws_one_polygon_per_cell(live_server: str, page: Page) -> None:
    _open(page, f"{live_server}/map")
    url = page.evaluate("window.crossings.heatmapUrl")
    assert "weight=dead_and_missing" in url
    cells = _api(live_server, url)["features"]
    assert cells
    paths = page.locator("path.cx-hex")
    assert paths.count() == len(cells)
    drawn = page.eval_on_selector_all("path.cx-hex", "ps => ps.map(p => p.dataset.h3)")
    assert sorted(drawn) == sorted(c["id"] for c in cells)
    coarser = sum(1 for c in cells if c["properties"]["coarser"])
    assert page.locator("path.cx-hex.cx-hex-coarser").count() == coarser
    assert "res=2&" in url  # zoom 2: the legend says how big the hexagons are
    assert "160 km (H3 resolution 2)" in page.locator("#cx-res-note").inner_text()


def test_clicking_a_hexagon_shows_its_counts(live_server: str, page: Page) -> None:
    _open(page, f"{live_server}/map")
    cells = _api(live_server, page.evaluate("window.crossings.heatmapUrl"))["features"]
    fine = [c for c in cells if not c["properties"]["coarser"]]
    cell = max(fine, key=lambda c: c["properties"]["value"])
    props = cell["properties"]
    page.locator(f'path.cx-hex[data-h3="{cell["id"]}"]').dispatch_event("click")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert f"{_fmt(props['value'])} dead and missing" in text
    for key in ("incidents", "dead", "missing"):
        if key in props:  # per-cell counts (h-api)
            assert _fmt(props[key]) in text, (key, text)


def test_changing_the_period_redraws_with_its_totals(live_server: str, page: Page) -> None:
    _open(page, f"{live_server}/map")
    everything = _api(live_server, "/incidents?limit=1")["numberMatched"]
    assert page.evaluate("window.crossings.totals.events") == everything
    before = _redraws(page)
    page.get_by_role("button", name="2016", exact=True).click()
    _wait_redrawn(page, before)
    matched = _api(live_server, "/incidents?limit=1&datetime=2016-01-01/2016-12-31")
    totals = page.evaluate("window.crossings.totals")
    assert totals["events"] == matched["numberMatched"] != everything
    assert f"{_fmt(totals['events'])} events" in page.locator("#cx-totals").inner_text()
    assert "datetime=2016-01-01%2F2016-12-31" in page.url
    assert page.locator("#cx-start").input_value() == "2016-01-01"
    assert "datetime=2016-01-01%2F2016-12-31" in page.evaluate("window.crossings.heatmapUrl")
    # the dates typed in redraw too
    before = _redraws(page)
    page.locator("#cx-end").fill("2016-06-30")
    _wait_redrawn(page, before)
    half = _api(live_server, "/incidents?limit=1&datetime=2016-01-01/2016-06-30")
    assert page.evaluate("window.crossings.totals.events") == half["numberMatched"]
    # back: the whole year again, without a reload
    before = _redraws(page)
    page.go_back()
    _wait_redrawn(page, before)
    assert page.evaluate("window.crossings.totals.events") == matched["numberMatched"]
    assert page.locator("#cx-end").input_value() == "2016-12-31"


def test_a_category_filter_redraws_hexagons_and_totals(live_server: str, page: Page) -> None:
    _open(page, f"{live_server}/map")
    before = _redraws(page)
    page.get_by_label("Disappearances").check()
    _wait_redrawn(page, before)
    matched = _api(live_server, "/incidents?limit=1&category=disappearance")["numberMatched"]
    assert page.evaluate("window.crossings.totals.events") == matched
    url = page.evaluate("window.crossings.heatmapUrl")
    assert "category=disappearance" in url
    assert page.locator("path.cx-hex").count() == len(_api(live_server, url)["features"])
    # the dataset list comes from /sources, by name
    sources = _api(live_server, "/sources")["sources"]
    mmp = next(s for s in sources if s["id"] == "iom-mmp")
    option = page.locator("#cx-source option", has_text=mmp["name"])
    option.wait_for(state="attached")
    assert option.count() == 1
    before = _redraws(page)
    page.get_by_label("Dataset").select_option("iom-mmp")
    _wait_redrawn(page, before)
    query = "/incidents?limit=1&category=disappearance&source=iom-mmp"
    assert (
        page.evaluate("window.crossings.totals.events") == _api(live_server, query)["numberMatched"]
    )
    assert "source=iom-mmp" in page.url


def test_data_text_shows_literally_and_runs_nothing(
    live_server: str,
    page: Page,
    watch: PageWatch,
    committed_incidents: CommittedIncidents,
) -> None:
    """An incident whose location, cause and source name are markup: the popup shows the text
    and no dialog opens (an ``onerror`` that ran would have called alert)."""
    day = "2021-02-03"
    features = [
        incident_feature(
            "XSS-MAP-1",
            26.4,
            39.2,
            event_date=day,
            dead=3,
            missing=1,
            location_text=XSS,
            cause=XSS,
            source_name=XSS,
            source_url="javascript:alert(2)",
        )
    ]
    with committed_incidents(features, source="test-xss-map"):
        _open(page, f"{live_server}/map?datetime={day}/{day}#10/39.2/26.4")
        marker = page.locator(".cx-dot")
        marker.first.wait_for()
        assert marker.count() == 1
        marker.first.click()
        popup = page.locator(".leaflet-popup-content")
        popup.wait_for()
        text = popup.inner_text()
        assert text.count(XSS) == 3, text  # location, cause and source name, as text
        assert popup.locator("img").count() == 0
        assert popup.locator('a[href^="javascript"]').count() == 0
        assert "3 February 2021" in text
        assert page.evaluate("window.crossings.incidents") == {"shown": 1, "matched": 1}
        # zoomed in, the basemap is the view's own, at its scale
        assert "z=10" in page.evaluate("window.crossings.basemapUrl")
    assert_clean(watch)


def test_root_is_the_map_for_a_browser_and_json_for_clients(
    live_server: str, page: Page, watch: PageWatch
) -> None:
    _open(page, f"{live_server}/")
    assert page.locator("#cx-config").count() == 1
    assert page.locator("path.cx-hex").count() > 0
    assert_clean(watch)
    response = httpx.get(f"{live_server}/", timeout=30)
    assert response.headers["content-type"] == "application/json"
    assert response.json()["title"] == "Crossings"


def test_phone_layout_has_no_horizontal_scroll(live_server: str, open_page: Any) -> None:
    page, watch = open_page(viewport=(375, 740))
    _open(page, f"{live_server}/map")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width
    box = page.locator("#cx-map").bounding_box()
    assert box is not None and box["width"] == 375 and box["height"] >= 320
    # keyboard: the filters are reachable and show focus
    page.keyboard.press("Tab")  # the skip link, then into the page
    page.locator("#cx-start").focus()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", outline
    assert_clean(watch)
