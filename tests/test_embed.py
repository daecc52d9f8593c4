"""The corridor embed page (``/embed/corridors/{slug}``): its numbers are the API's, its text is
the catalogue's, data text is escaped, and it may be framed by any site.

The in-page data (``#crossings-embed``) is read back and compared with ``/incidents`` and
``/heatmap`` for the same filters; the browser behaviour is in tests/test_embed_browser.py.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from maps.base import assert_offline
from maps.embed import embed_config_json

pytestmark = pytest.mark.anyio

SLUG = "central-mediterranean"


async def _embed(client: httpx.AsyncClient, **params: str) -> httpx.Response:
    response = await client.get(f"/embed/corridors/{SLUG}", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response


async def _incident_totals(client: httpx.AsyncClient, **params: str) -> dict[str, int]:
    response = await client.get("/incidents", params={"corridor": SLUG, "limit": "10000", **params})
    body = response.json()
    assert body["numberReturned"] == body["numberMatched"]
    props = [f["properties"] for f in body["features"]]
    return {
        "incidents": len(props),
        "dead_and_missing": sum(p["dead_and_missing"] or 0 for p in props),
    }


def _summary(html: str) -> str:
    found = re.search(r'<p class="embed-summary">(.*?)</p>', html, re.S)
    assert found
    return found.group(1)


def _hex_total(config: dict[str, Any]) -> int:
    return sum(f["properties"]["value"] for f in config["hexagons"]["features"])


async def test_the_sentence_and_hexagons_add_up_to_the_incidents(
    client: httpx.AsyncClient,
) -> None:
    html = (await _embed(client)).text
    totals = await _incident_totals(client)
    assert totals["incidents"] > 100
    summary = _summary(html)
    assert f"{totals['dead_and_missing']:,} people dead or missing" in summary
    assert f"in {totals['incidents']:,} recorded incidents" in summary
    config = embed_config_json(html)
    heat = (
        await client.get(
            "/heatmap", params={"corridor": SLUG, "res": "4", "weight": "dead_and_missing"}
        )
    ).json()
    # every cell is drawn but those placed only to a sea or a country, which the legend counts
    drawn = {f["properties"]["value"] for f in config["hexagons"]["features"]}
    assert drawn and config["omitted"] > 0
    assert _hex_total(config) + config["omitted"] == heat["total"]
    assert heat["total"] == totals["dead_and_missing"] - heat["unlocated"]
    far = [f for f in heat["features"] if 4 - f["properties"]["resolution"] > 2]
    assert len(config["hexagons"]["features"]) == heat["numberMatched"] - len(far)
    assert sum(f["properties"]["value"] for f in far) == config["omitted"]
    assert f"{config['omitted']:,} dead or missing placed only to a wide area" in html
    assert assert_offline(html) == html


async def test_filters_change_the_numbers_as_they_change_incidents(
    client: httpx.AsyncClient,
) -> None:
    params = {"datetime": "2016-01-01/2016-12-31", "category": "death"}
    html = (await _embed(client, **params)).text
    totals = await _incident_totals(client, **params)
    assert 0 < totals["incidents"] < (await _incident_totals(client))["incidents"]
    assert f"{totals['dead_and_missing']:,} people" in _summary(html)
    assert "January 2016 – December 2016" in _summary(html)
    assert "Category: deaths" in html
    # the links keep the filters: the full map and the static image
    assert f"/corridors/{SLUG}/map?datetime=2016-01-01%2F2016-12-31&amp;category=death" in html
    assert f"/embed/corridors/{SLUG}.png?datetime=" in html


async def test_the_table_by_year_is_the_text_alternative(client: httpx.AsyncClient) -> None:
    html = (await _embed(client)).text
    rows = re.findall(r'<tr><th scope="row">(\d{4})</th><td>([\d,]+)</td>', html)
    assert [year for year, _ in rows] == ["2014", "2015", "2016", "2017"]
    for year, count in rows:
        totals = await _incident_totals(client, datetime=f"{year}-01-01/{year}-12-31")
        assert int(count.replace(",", "")) <= totals["incidents"]  # overlaps may add a year's
    assert (
        sum(int(c.replace(",", "")) for _, c in rows)
        == (await _incident_totals(client))["incidents"]
    )
    assert 'aria-labelledby="embed-map-label"' in html and 'aria-hidden="true"' in html
    assert "<noscript><img" in html


async def test_arabic_is_laid_out_right_to_left_in_its_own_digits(
    client: httpx.AsyncClient,
) -> None:
    html = (await _embed(client, lang="ar", theme="dark")).text
    assert '<html lang="ar" dir="rtl">' in html
    assert "وسط البحر الأبيض المتوسط" in html  # the corridor's name in Arabic
    totals = await _incident_totals(client)
    digits = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    assert f"{totals['dead_and_missing']:,}".replace(",", "٬").translate(digits) in html
    assert "theme-dark" in html


@pytest.mark.parametrize("lang", ["fr", "es"])
async def test_french_and_spanish(client: httpx.AsyncClient, lang: str) -> None:
    html = (await _embed(client, lang=lang)).text
    assert f'<html lang="{lang}" dir="ltr">' in html
    assert {"fr": "Méditerranée centrale", "es": "Mediterráneo central"}[lang] in html


async def test_any_site_may_frame_it_and_it_revalidates_by_data_version(
    client: httpx.AsyncClient,
) -> None:
    response = await _embed(client)
    assert "frame-ancestors *" in response.headers["content-security-policy"]
    assert "x-frame-options" not in response.headers
    etag = response.headers["etag"]
    again = await client.get(f"/embed/corridors/{SLUG}", headers={"If-None-Match": etag})
    assert again.status_code == 304


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("lang=de", "lang"),
        ("theme=blue", "theme"),
        ("datetime=yesterday", "datetime"),
        ("category=deaths", "category"),
        ("zoom=4", "zoom"),
    ],
)
async def test_bad_options_are_400_saying_what_to_send(
    client: httpx.AsyncClient, query: str, parameter: str
) -> None:
    response = await client.get(f"/embed/corridors/{SLUG}?{query}")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["parameter"] == parameter


async def test_an_unknown_corridor_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/embed/corridors/nowhere")
    assert response.status_code == 404
    assert "/corridors" in response.json()["detail"]


async def test_a_corridor_name_with_markup_is_shown_as_text(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    evil = "<img src=x onerror=alert(1)> & Co"
    conn.execute(sa.text("UPDATE corridors SET name = :n WHERE slug = 'darien'"), {"n": evil})
    html = (await client.get("/embed/corridors/darien")).text
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; Co" in html
