"""``/oembed``: oEmbed 1.0 ``rich`` answers for corridor maps, and the spec's error cases."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from api.app import create_app
from api.settings import Settings
from geo.errors import InvalidInput, NotFound
from maps import oembed

pytestmark = pytest.mark.anyio

SLUG = "central-mediterranean"
PAGE = f"http://testserver/corridors/{SLUG}/map"
EMBED = f"http://testserver/embed/corridors/{SLUG}"


class Tags(HTMLParser):
    """Every start tag with its attributes (values unescaped, as a browser reads them)."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.data: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.data.append(data)


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


async def _oembed(client: httpx.AsyncClient, **params: Any) -> httpx.Response:
    return await client.get("/oembed", params=params)


async def test_a_corridor_page_url_gets_a_rich_answer(client: httpx.AsyncClient) -> None:
    response = await _oembed(client, url=PAGE, format="json")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["version"] == "1.0" and body["type"] == "rich"
    assert body["provider_name"] == "Crossings"
    assert body["provider_url"] == "http://testserver/"
    assert body["author_name"] == "IOM Missing Migrants Project"
    assert body["title"] == "Central Mediterranean: deaths and disappearances of people on the move"
    assert (body["width"], body["height"]) == (oembed.DEFAULT_WIDTH, oembed.DEFAULT_HEIGHT)
    assert isinstance(body["cache_age"], int) and body["cache_age"] >= 0
    tags = parse(body["html"])
    (iframe,) = [attrs for tag, attrs in tags.tags if tag == "iframe"]
    assert iframe["src"] == EMBED
    assert iframe["title"] == body["title"]
    assert iframe["width"] == "100%" and iframe["height"] == str(body["height"])
    assert iframe["loading"] == "lazy" and "allowfullscreen" in iframe
    assert iframe["style"] is not None and "border:0" in iframe["style"]
    assert [tag for tag, _ in tags.tags] == ["iframe", "script"]
    script = "".join(tags.data)
    assert '"crossings:height"' in script and '"http://testserver"' in script
    # the thumbnail is the static map, at the og:image size when nothing limits it
    assert (
        body["thumbnail_url"]
        == f"http://testserver/embed/corridors/{SLUG}.png?width=1200&height=630"
    )
    assert (body["thumbnail_width"], body["thumbnail_height"]) == (1200, 630)


async def test_the_urls_own_options_reach_the_iframe(client: httpx.AsyncClient) -> None:
    url = f"{EMBED}?datetime=2016-01-01/2016-12-31&category=death&theme=dark&lang=ar"
    body = (await _oembed(client, url=url)).json()
    (iframe,) = [attrs for tag, attrs in parse(body["html"]).tags if tag == "iframe"]
    src = urlsplit(str(iframe["src"]))
    assert f"{src.scheme}://{src.netloc}{src.path}" == EMBED
    assert parse_qs(src.query) == {
        "datetime": ["2016-01-01/2016-12-31"],
        "category": ["death"],
        "theme": ["dark"],
        "lang": ["ar"],
    }
    thumb = parse_qs(urlsplit(body["thumbnail_url"]).query)
    assert thumb["theme"] == ["dark"] and thumb["category"] == ["death"] and "lang" not in thumb
    # a page URL's filters are kept too
    page = (await _oembed(client, url=f"{PAGE}?category=disappearance")).json()
    (iframe,) = [attrs for tag, attrs in parse(page["html"]).tags if tag == "iframe"]
    assert iframe["src"] == f"{EMBED}?category=disappearance"


@pytest.mark.parametrize(
    ("maxwidth", "maxheight"), [(500, None), (None, 300), (320, 240), (1000, 2000), (100, 80)]
)
async def test_maxwidth_and_maxheight_are_never_exceeded(
    client: httpx.AsyncClient, maxwidth: int | None, maxheight: int | None
) -> None:
    params = {k: v for k, v in {"maxwidth": maxwidth, "maxheight": maxheight}.items() if v}
    body = (await _oembed(client, url=PAGE, **params)).json()
    for key, limit in (("width", maxwidth), ("height", maxheight)):
        assert body[key] <= (limit or 10_000)
        assert body[key] == min(getattr(oembed, f"DEFAULT_{key.upper()}"), limit or 10_000)
        if f"thumbnail_{key}" in body:
            assert body[f"thumbnail_{key}"] <= (limit or 10_000)
            assert f"{key}={body[f'thumbnail_{key}']}" in body["thumbnail_url"]
    (iframe,) = [attrs for tag, attrs in parse(body["html"]).tags if tag == "iframe"]
    assert f"max-width:{body['width']}px" in str(iframe["style"])
    assert iframe["height"] == str(body["height"])
    if maxwidth == 100:  # the PNG cannot be drawn 100 px wide: no thumbnail rather than a bigger
        assert not {"thumbnail_url", "thumbnail_width", "thumbnail_height"} & set(body)
    else:
        w, h = body["thumbnail_width"], body["thumbnail_height"]
        assert abs(w / h - 1200 / 630) < 0.01  # scaled, not cropped
        png = await client.get(body["thumbnail_url"])
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        assert png.content[16:24] == w.to_bytes(4, "big") + h.to_bytes(4, "big")  # IHDR size


@pytest.mark.parametrize(
    "url",
    [
        f"http://elsewhere.example/corridors/{SLUG}/map",  # another host
        f"https://testserver/corridors/{SLUG}/map",  # another scheme
        f"http://testserver:8080/corridors/{SLUG}/map",  # another port
        "http://testserver/incidents",  # not a corridor map
        f"http://testserver/corridors/{SLUG}",  # the JSON, not the map
        f"http://testserver/corridors/{SLUG}/map/extra",
        "http://testserver/corridors/no-such-corridor/map",  # unknown slug
        "http://testserver/embed/corridors/no-such-corridor",
        "http://testserver/corridors/Not_A_Slug/map",
    ],
)
async def test_urls_that_are_not_our_corridor_maps_are_404(
    client: httpx.AsyncClient, url: str
) -> None:
    response = await _oembed(client, url=url)
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_xml_is_501_as_the_spec_says(client: httpx.AsyncClient) -> None:
    response = await _oembed(client, url=PAGE, format="xml")
    assert response.status_code == 501
    assert response.headers["content-type"] == "application/problem+json"
    assert "json" in response.json()["detail"]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({}, "url"),
        ({"url": ""}, "url"),
        ({"url": "corridors/central-mediterranean/map"}, "url"),  # not absolute
        ({"url": "ftp://testserver/corridors/central-mediterranean/map"}, "url"),
        ({"url": f"{EMBED}?theme=pink"}, "url"),
        ({"url": f"{EMBED}?lang=de"}, "url"),
        ({"url": f"{PAGE}?theme=dark"}, "url"),  # the page takes no theme
        ({"url": f"{PAGE}?datetime=yesterday"}, "url"),
        ({"url": f"{PAGE}?category=drowning"}, "url"),
        ({"url": f"{PAGE}?category=death&category=disappearance"}, "url"),
        ({"url": PAGE, "format": "csv"}, "format"),
        ({"url": PAGE, "maxwidth": "wide"}, "maxwidth"),
        ({"url": PAGE, "maxwidth": "0"}, "maxwidth"),
        ({"url": PAGE, "maxheight": "-5"}, "maxheight"),
        ({"url": PAGE, "maxheight": "1.5"}, "maxheight"),
        ({"url": PAGE, "callback": "x"}, "callback"),
    ],
)
async def test_other_bad_parameters_are_400(
    client: httpx.AsyncClient, params: dict[str, str], parameter: str
) -> None:
    response = await client.get("/oembed", params=params)
    assert response.status_code == 400, response.text
    assert response.json()["parameter"] == parameter


async def test_html_attributes_and_script_are_escaped(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    name = '"><img src=x onerror=alert(1)> & </script><script>alert(2)</script>'
    conn.execute(sa.text("UPDATE corridors SET name = :n WHERE slug = :s"), {"n": name, "s": SLUG})
    body = (await _oembed(client, url=PAGE)).json()
    assert body["title"] == oembed.embed_title(name)
    tags = parse(body["html"])
    assert [tag for tag, _ in tags.tags] == ["iframe", "script"]  # nothing injected
    (iframe,) = [attrs for tag, attrs in tags.tags if tag == "iframe"]
    assert iframe["title"] == oembed.embed_title(name)  # the exact text, read back
    assert set(iframe) == {
        "src", "title", "width", "height", "style", "loading", "allowfullscreen",
        "data-crossings-embed",
    }  # fmt: skip
    assert "<img" not in body["html"] and body["html"].count("</script>") == 1


async def test_answers_carry_an_etag_and_depend_on_the_host_asked(
    settings: Settings, engine: Engine
) -> None:
    """oEmbed answers are absolute URLs built from the Host asked: a cached answer for one
    host is never served to another (whose url would be another host's, a 404)."""
    app = create_app(settings.model_copy(update={"cache_responses": True}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://a.test") as client:
            url = f"http://a.test/corridors/{SLUG}/map"
            first = await client.get("/oembed", params={"url": url})
            assert first.status_code == 200 and first.json()["provider_url"] == "http://a.test/"
            etag = first.headers["etag"]
            again = await client.get(
                "/oembed", params={"url": url}, headers={"If-None-Match": etag}
            )
            assert again.status_code == 304
            other = await client.get("/oembed", params={"url": url}, headers={"Host": "b.test"})
            assert other.status_code == 404


def test_parse_target_under_a_root_path() -> None:
    base = "https://maps.example.org/crossings/"
    target = oembed.parse_target(
        f"https://maps.example.org/crossings/embed/corridors/{SLUG}?lang=fr&theme=dark", base=base
    )
    assert target == oembed.Target(SLUG, {"theme": "dark", "lang": "fr"})
    assert target.filters == {"theme": "dark"}
    with pytest.raises(NotFound):
        oembed.parse_target(f"https://maps.example.org/embed/corridors/{SLUG}", base=base)
    with pytest.raises(InvalidInput):
        oembed.parse_target("maps.example.org/crossings/embed/corridors/x", base=base)


def test_fit_keeps_the_aspect_and_never_scales_up() -> None:
    assert oembed.fit((1200, 630), None, None) == (1200, 630)
    assert oembed.fit((1200, 630), 600, None) == (600, 315)
    assert oembed.fit((1200, 630), 2400, 315) == (600, 315)
    assert oembed.fit((1200, 630), 5000, 5000) == (1200, 630)


@pytest.mark.anyio
async def test_the_title_is_in_the_embeds_language(client: httpx.AsyncClient) -> None:
    url = "http://testserver/embed/corridors/central-mediterranean?lang=fr"
    response = await client.get("/oembed", params={"url": url})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (
        body["title"] == "Méditerranée centrale : morts et disparitions de personnes en migration"
    )
    assert "lang=fr" in body["html"]
