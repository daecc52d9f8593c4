"""``/corridors/{slug}/map``: the corridor page shows the API's own numbers, escapes data text,
and carries the links (oEmbed discovery, og:, canonical, embed code) a newsroom relies on."""

from __future__ import annotations

import html as htmllib
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from maps.base import RemoteAssetError, assert_offline

pytestmark = pytest.mark.anyio

SLUG = "central-mediterranean"
PATH = f"/corridors/{SLUG}/map"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


class Page(HTMLParser):
    """Start tags with attributes, and the text inside elements carrying ``data-total``."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.totals: dict[str, str] = {}
        self._total: str | None = None
        self.textarea = ""
        self._in_textarea = False
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        self._total = a.get("data-total")
        self._in_textarea = tag == "textarea"
        self._in_title = tag == "title" and not self.title  # the document's, not the SVG's

    def handle_endtag(self, tag: str) -> None:
        self._total = None
        self._in_textarea = self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._total:
            self.totals[self._total] = self.totals.get(self._total, "") + data
        if self._in_textarea:
            self.textarea += data
        if self._in_title:
            self.title += data

    def find(self, tag: str, **match: str) -> list[dict[str, str | None]]:
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in match.items())
        ]

    def meta(self, key: str) -> str | None:
        found = self.find("meta", property=key) or self.find("meta", name=key)
        return found[0]["content"] if found else None


async def _page(client: httpx.AsyncClient, query: str = "") -> tuple[httpx.Response, Page]:
    response = await client.get(PATH + (f"?{query}" if query else ""), headers=HTML)
    assert response.status_code == 200, response.text
    page = Page()
    page.feed(response.text)
    return response, page


def _number(text: str) -> int:
    return int(text.replace(",", ""))


async def test_totals_are_those_of_the_corridor_endpoint(client: httpx.AsyncClient) -> None:
    response, page = await _page(client)
    assert response.headers["content-type"].startswith("text/html")
    totals = (await client.get(f"/corridors/{SLUG}")).json()["totals"]
    assert totals["incidents"] > 100  # the sample has this corridor's events
    for key in ("incidents", "dead", "missing"):
        assert _number(page.totals[key]) == totals[key], key
    first, last = totals["first_event_date"], totals["last_event_date"]
    assert page.totals["period"] == "17\u00a0Feb\u00a02014 – 23\u00a0Dec\u00a02017"
    assert (first, last) == ("2014-02-17", "2017-12-23")
    assert f"{totals['dead_and_missing']:,} people recorded dead or missing" in response.text


async def test_filters_apply_to_the_totals(client: httpx.AsyncClient) -> None:
    when = "2016-01-01/2016-12-31"
    _, page = await _page(client, f"datetime={when}")
    totals = (await client.get(f"/corridors/{SLUG}", params={"datetime": when})).json()["totals"]
    assert 0 < _number(page.totals["incidents"]) == totals["incidents"]
    assert _number(page.totals["dead"]) == totals["dead"]
    # a category: the totals of the same incidents the time series counts
    _, page = await _page(client, f"datetime={when}&category=death")
    series = await client.get(
        f"/corridors/{SLUG}/timeseries", params={"datetime": when, "category": "death"}
    )
    expected = series.json()["totals"]
    assert 0 < _number(page.totals["incidents"]) == expected["incidents"] < totals["incidents"]
    assert _number(page.totals["missing"]) == expected["missing"]


async def test_chart_bars_are_the_time_series(client: httpx.AsyncClient) -> None:
    response, page = await _page(client)
    (svg,) = page.find("svg")
    interval = svg["data-interval"]
    assert interval == "month"  # four years of data: drawn per month
    assert svg["role"] == "img" and svg["aria-labelledby"]
    bars = [
        (a["data-period"], int(str(a["data-value"])), int(str(a["data-incidents"])))
        for a in page.find("rect")
        if a.get("data-period")
    ]
    series = (
        await client.get(f"/corridors/{SLUG}/timeseries", params={"interval": interval})
    ).json()
    expected = [(p["period"], p["dead_and_missing"], p["incidents"]) for p in series["periods"]]
    assert bars == expected
    heights = {p: float(str(a["height"])) for a in page.find("rect") if (p := a.get("data-period"))}
    peak = max(expected, key=lambda e: e[1])
    assert heights[peak[0]] == max(heights.values()) > 0
    # the same numbers as a table for screen readers (months with incidents)
    table = re.search(r"<tbody>(.*?)</tbody>", response.text, re.S)
    assert table is not None
    rows = re.findall(r"<th scope=\"row\">([^<]+)</th><td>([\d,]+)</td><td>([\d,]+)</td>", table[1])
    assert [(p, int(i.replace(",", "")), int(v.replace(",", ""))) for p, i, v in rows] == [
        (p, i, v) for p, v, i in expected if i
    ]


async def test_clusters_and_causes_are_the_apis(client: httpx.AsyncClient) -> None:
    _, page = await _page(client)
    clusters = (await client.get(f"/corridors/{SLUG}/clusters")).json()
    listed = [a["data-cluster"] for a in page.find("li") if a.get("data-cluster")]
    assert listed and listed == [f["id"] for f in clusters["features"]][: len(listed)]
    corridor = (await client.get(f"/corridors/{SLUG}")).json()
    causes = [c["cause"] for c in corridor["breakdown"]["top_causes"]]
    response = await client.get(PATH, headers=HTML)
    names = re.findall(r'<span class="cx-cause-name">([^<]+)</span>', response.text)
    assert names == [htmllib.escape(c, quote=True) for c in causes] and names


async def test_data_text_is_escaped_everywhere(client: httpx.AsyncClient, conn: Connection) -> None:
    name = '<img src=x onerror=alert(1)> & "Co"'
    conn.execute(
        sa.text("UPDATE corridors SET name = :n, description = :d WHERE slug = :s"),
        {"n": name, "d": "</textarea><script>alert(2)</script>", "s": SLUG},
    )
    response, page = await _page(client)
    text = response.text
    assert "<img src=x" not in text and "<script>alert(2)" not in text
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; &#34;Co&#34;" in text
    assert page.title == f"{name} · Crossings"
    assert page.meta("og:title") == name and page.meta("twitter:title") == name
    (h1,) = re.findall(r'<h1 class="cx-title">(.*?)</h1>', text)
    assert htmllib.unescape(h1) == name
    # the embed code is shown literally: the textarea holds the iframe HTML as text
    iframe = Page()
    iframe.feed(page.textarea)
    (frame,) = iframe.find("iframe")
    assert str(frame["title"]).startswith(name)
    assert frame["src"] == f"http://testserver/embed/corridors/{SLUG}"
    assert [t for t, _ in page.tags].count("script") == len(page.find("script"))
    assert not [a for t, a in page.tags if t == "img"]


async def test_discovery_links_og_tags_and_canonical(client: httpx.AsyncClient) -> None:
    query = "datetime=2015-01-01/2015-12-31&category=death"
    _, page = await _page(client, query)
    (canonical,) = page.find("link", rel="canonical")
    assert (
        canonical["href"]
        == f"http://testserver{PATH}?datetime=2015-01-01%2F2015-12-31&category=death"
    )
    (discovery,) = page.find("link", type="application/json+oembed")
    assert discovery["rel"] == "alternate"
    assert not page.find("link", type="text/xml+oembed")  # only the format served is advertised
    href = str(discovery["href"])
    assert parse_qs(urlsplit(href).query) == {"url": [canonical["href"]], "format": ["json"]}
    answer = await client.get(href)
    assert answer.status_code == 200 and answer.json()["type"] == "rich"
    assert "category=death" in answer.json()["html"]
    image = page.meta("og:image")
    assert image == (
        f"http://testserver/embed/corridors/{SLUG}.png?datetime=2015-01-01%2F2015-12-31"
        "&category=death"
    )
    assert page.meta("og:image:width") == "1200" and page.meta("og:image:height") == "630"
    card = await client.get(str(image))
    assert card.status_code == 200 and card.headers["content-type"] == "image/png"
    assert card.content[16:24] == (1200).to_bytes(4, "big") + (630).to_bytes(4, "big")  # IHDR
    assert page.meta("twitter:card") == "summary_large_image"
    assert page.meta("twitter:image") == image
    assert page.meta("og:url") == canonical["href"]
    assert page.meta("og:description") and "dead or missing" in str(page.meta("og:description"))


async def test_links_keep_the_filters(client: httpx.AsyncClient) -> None:
    _, page = await _page(client, "datetime=2016-01-01/2016-12-31&category=death")
    chips = {str(a.get("href")): a for a in page.find("a") if "/map" in str(a.get("href"))}
    categories = [h for h in chips if "category=" in h and "category=death" not in h]
    assert categories and all("datetime=2016-01-01%2F2016-12-31" in h for h in categories)
    assert f"http://testserver{PATH}?category=death" in chips  # "All years" keeps the category
    current = {a.get("href") for a in page.find("a") if a.get("aria-current") == "page"}
    assert current == {f"http://testserver{PATH}?datetime=2016-01-01%2F2016-12-31&category=death"}
    iframe = Page()
    iframe.feed(page.textarea)
    (frame,) = iframe.find("iframe")
    assert parse_qs(urlsplit(str(frame["src"])).query) == {
        "datetime": ["2016-01-01/2016-12-31"],
        "category": ["death"],
    }


async def test_only_the_apps_own_scripts_and_styles(client: httpx.AsyncClient) -> None:
    response, page = await _page(client)
    assert_offline(response.text)
    sources = [str(a["src"]) for a in page.find("script") if a.get("src")]
    sheets = [str(a["href"]) for a in page.find("link", rel="stylesheet")]
    assert "/static/crossings/corridor.js" in sources
    assert "/static/crossings/corridor.css" in sheets
    for url in sources + sheets:
        assert url.startswith("/static/"), url
        assert (await client.get(url)).status_code == 200, url


def test_only_naming_links_may_point_elsewhere() -> None:
    """canonical / alternate links name a document (they must be absolute); anything a
    browser would load from another host is still refused."""
    assert_offline('<link rel="canonical" href="https://example.org/x">')
    assert_offline('<link rel="alternate" type="application/json+oembed" href="http://a/o">')
    for tag in (
        '<link rel="alternate stylesheet" href="https://cdn.example.org/x.css">',
        '<link rel="canonical icon" href="https://cdn.example.org/x.ico">',
        '<link rel="alternate" href="/a"><link rel="stylesheet" href="//cdn.example.org/x.css">',
    ):
        with pytest.raises(RemoteAssetError, match="cdn.example.org"):
            assert_offline(tag)


async def test_unknown_slug_is_an_html_404_for_browsers(client: httpx.AsyncClient) -> None:
    browser = await client.get("/corridors/no-such-corridor/map", headers=HTML)
    assert browser.status_code == 404
    assert browser.headers["content-type"].startswith("text/html")
    assert "No such corridor" in browser.text and "no-such-corridor" in browser.text
    api = await client.get("/corridors/no-such-corridor/map")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    json_first = await client.get(
        "/corridors/no-such-corridor/map", headers={"Accept": "application/json, text/html"}
    )
    assert json_first.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("datetime=yesterday", "datetime"),
        ("category=drowning", "category"),
        ("theme=dark", "theme"),
    ],
)
async def test_bad_parameters_are_400(
    client: httpx.AsyncClient, query: str, parameter: str
) -> None:
    response = await client.get(f"{PATH}?{query}", headers=HTML)
    assert response.status_code == 400
    assert response.json()["parameter"] == parameter


async def test_the_page_is_cacheable(client: httpx.AsyncClient) -> None:
    first = await client.get(PATH, headers=HTML)
    etag = first.headers["etag"]
    assert "Accept" in first.headers["vary"]
    again = await client.get(PATH, headers={**HTML, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
