"""Static corridor maps (maps.static_image) and their routes /embed/corridors/{slug}.png|svg."""

from __future__ import annotations

import io
import json
import struct
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from PIL import Image
from sqlalchemy.engine import Connection, Engine

from api.app import create_app
from geo import h3index
from geo.repo.incidents import IncidentFilter
from maps import palette
from maps import static_image as img

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "{http://www.w3.org/2000/svg}"
MED = "central-mediterranean"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def _svg_texts(data: bytes) -> list[str]:
    root = ET.fromstring(data)
    return ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]


# --- the palette ---------------------------------------------------------------------------


def test_palette_classes_cover_every_count_once() -> None:
    classes = palette.CLASSES
    assert classes[0].low == 1 and classes[-1].high is None
    for lower, upper in zip(classes, classes[1:], strict=False):
        assert lower.high is not None and lower.high + 1 == upper.low
    assert [c.label for c in classes] == [
        "1", "2\u20135", "6\u201310", "11\u201350", "51\u2013100", "101\u2013500", "501+",
    ]  # fmt: skip
    assert palette.color_class(0) is None  # no count given: drawn in the theme's no_count
    assert palette.color_class(1) == classes[0]
    assert palette.color_class(5) == classes[1] and palette.color_class(6) == classes[2]
    assert palette.color_class(3247) == classes[-1]
    assert palette.color_for(0, "dark") == palette.THEME_COLORS["dark"].no_count


def test_palette_ramp_gets_darker_class_by_class() -> None:
    """Lightness falls monotonically: the ramp reads in grey scale and for colour-blind
    readers, who tell the classes apart by lightness."""

    def luminance(color: str) -> float:
        r, g, b = (c / 255 for c in _rgb(color))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    values = [luminance(c) for c in palette.RAMP]
    assert values == sorted(values, reverse=True)
    assert values[0] - values[-1] > 0.8


def test_palette_json_is_what_a_browser_needs_and_safe_in_a_script_tag() -> None:
    text = palette.palette_json()
    assert not {"<", ">", "&"} & set(text)
    body = json.loads(text)
    assert body["weight"] == "dead_and_missing"
    assert [c["color"] for c in body["classes"]] == list(palette.RAMP)
    assert body["classes"][-1]["max"] is None
    assert set(body["themes"]) == {"light", "dark"}
    for theme in body["themes"].values():
        assert {"sea", "land", "borders", "corridor", "text"} <= set(theme)


# --- the images (maps layer) ---------------------------------------------------------------


def test_hexagons_are_drawn_in_their_class_colour_where_the_events_are(conn: Connection) -> None:
    """Find the heaviest hexagon drawn at the map's own resolution, project its centre the
    way the image does, and read that pixel: it must be the class colour of its count."""
    width, height = 1200, 630
    flt = IncidentFilter(corridor=MED)
    data = img.read_map(conn, slug=MED, flt=flt, width=width, height=height)
    fine = [c for c in data.heat.cells if not c.coarser and c.weight >= 1]
    assert fine, "the sample has located events in the Central Mediterranean"
    png = img.corridor_image(conn, slug=MED, flt=flt, width=width, height=height, fmt="png")
    picture = Image.open(io.BytesIO(png)).convert("RGB")
    checked = 0
    for cell in sorted(fine, key=lambda c: -c.weight)[:5]:
        x, y = data.view.pixel(*h3index.center(cell.cell))
        if not (20 < x < width - 20 and data.view.top_px + 20 < y < height - 60):
            continue  # under the header, the notes or the credit
        cls = palette.color_class(cell.weight)
        assert cls is not None
        assert picture.getpixel((round(x), round(y))) == _rgb(cls.color), (cell.weight, x, y)
        checked += 1
    assert checked >= 2


def test_an_empty_corridor_has_no_hexagon_colours_on_its_map(conn: Connection) -> None:
    """belarus-eu has no events in the sample: its map holds no ramp colour (the legend in
    the header does)."""
    data = img.read_map(
        conn, slug="belarus-eu", flt=IncidentFilter(corridor="belarus-eu"), width=800, height=500
    )
    assert data.heat.cells == []
    png = img.corridor_image(conn, slug="belarus-eu", width=800, height=500)
    picture = Image.open(io.BytesIO(png)).convert("RGB")
    top = round(data.view.top_px) + 4
    ramp = {_rgb(c) for c in palette.RAMP}
    map_colours = {colour for _, colour in picture.crop((0, top, 800, 500)).getcolors(1 << 20)}
    assert not ramp & map_colours
    header_colours = {colour for _, colour in picture.crop((0, 0, 800, top - 4)).getcolors(1 << 20)}
    assert ramp <= header_colours  # the legend's swatches


def test_dark_theme_is_darker_than_light(conn: Connection) -> None:
    def mean_lightness(theme: str) -> float:
        png = img.corridor_image(conn, slug=MED, width=600, height=315, theme=theme)
        grey = Image.open(io.BytesIO(png)).convert("L")
        return sum(i * n for i, n in enumerate(grey.histogram())) / (600 * 315)

    light, dark = mean_lightness("light"), mean_lightness("dark")
    assert light > 180 and dark < 80, (light, dark)


def test_images_are_deterministic_and_thread_safe(engine: Engine) -> None:
    """Renders in parallel threads (as the API's thread pool runs them) give the bytes a
    serial render gives; SVGs carry no date and no random ids, so the bytes repeat."""
    jobs = [
        (MED, "png", "light"),
        (MED, "svg", "dark"),
        ("us-mexico", "svg", "light"),
        ("english-channel", "png", "dark"),
    ] * 2

    def render(job: tuple[str, str, str]) -> bytes:
        slug, fmt, theme = job
        with engine.connect() as c:
            return img.corridor_image(c, slug=slug, width=500, height=300, theme=theme, fmt=fmt)

    serial = [render(job) for job in jobs[:4]]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(render, jobs))
    assert parallel[:4] == serial and parallel[4:] == serial


def test_sizes_and_themes_out_of_range_are_refused(conn: Connection) -> None:
    from geo.errors import InvalidInput

    for kwargs, parameter in [
        ({"width": 199}, "width"),
        ({"width": 2401}, "width"),
        ({"height": 149}, "height"),
        ({"height": 2401}, "height"),
        ({"theme": "sepia"}, "theme"),
        ({"fmt": "gif"}, "format"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            img.corridor_image(conn, slug=MED, **kwargs)  # type: ignore[arg-type]
        assert caught.value.parameter == parameter


# --- the routes ----------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(("width", "height"), [(1200, 630), (200, 150), (640, 900)])
async def test_png_has_the_size_asked_for(
    client: httpx.AsyncClient, width: int, height: int
) -> None:
    response = await client.get(
        f"/embed/corridors/{MED}.png", params={"width": width, "height": height}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert _png_size(response.content) == (width, height)
    assert "content-security-policy" not in response.headers


@pytest.mark.anyio
async def test_png_defaults_to_the_og_image_size(client: httpx.AsyncClient) -> None:
    response = await client.get("/embed/corridors/english-channel.png")
    assert response.status_code == 200
    assert _png_size(response.content) == (1200, 630)
    assert response.headers["content-disposition"] == 'inline; filename="english-channel.png"'


@pytest.mark.anyio
async def test_svg_is_xml_with_the_title_and_figures_as_text(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    """The numbers line says what /corridors/{slug} totals for the same period."""
    period = "2016-01-01/2016-12-31"
    response = await client.get(f"/embed/corridors/{MED}.svg", params={"datetime": period})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.headers["content-security-policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'"
    )
    root = ET.fromstring(response.content)
    assert root.attrib["width"] == "1200" and root.attrib["height"] == "630"
    texts = _svg_texts(response.content)
    assert "Central Mediterranean" in texts
    assert img.CREDIT in texts
    totals = (await client.get(f"/corridors/{MED}", params={"datetime": period})).json()["totals"]
    assert totals["dead_and_missing"] > 0
    line = next(t for t in texts if "dead and missing \u00b7" in t)
    assert line.startswith(f"{totals['dead_and_missing']:,} dead and missing")
    assert f"{totals['incidents']:,} events" in line and "2016" in line
    assert b"<dc:date>" not in response.content  # no render date: same data, same bytes
    again = await client.get(f"/embed/corridors/{MED}.svg", params={"datetime": period})
    assert again.content == response.content


@pytest.mark.anyio
async def test_category_filter_changes_the_figures(client: httpx.AsyncClient) -> None:
    everything = _svg_texts((await client.get(f"/embed/corridors/{MED}.svg")).content)
    pushbacks = _svg_texts(
        (await client.get(f"/embed/corridors/{MED}.svg", params={"category": "pushback"})).content
    )
    line = next(t for t in pushbacks if t.endswith("\u00b7 pushback"))
    assert line != next(t for t in everything if "dead and missing \u00b7" in t)
    deaths = _svg_texts(
        (await client.get(f"/embed/corridors/{MED}.svg", params={"category": "death"})).content
    )
    death_line = next(t for t in deaths if t.endswith("\u00b7 death"))
    all_line = next(t for t in everything if "dead and missing \u00b7" in t)

    def people(text: str) -> int:
        return int(text.split(" dead and missing")[0].replace(",", ""))

    assert 0 < people(death_line) <= people(all_line)


@pytest.mark.anyio
async def test_names_from_the_data_stay_text_in_svg(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    """A corridor name holding markup, an ampersand, quotes or dollar signs (mathtext in
    matplotlib) is written as escaped text: the SVG parses and shows it literally."""
    name = 'Rock & <b onload="x()">Roll</b> $5$ "quoted"'
    conn.execute(
        sa.text("UPDATE corridors SET name = :name WHERE slug = 'english-channel'"),
        {"name": name},
    )
    response = await client.get("/embed/corridors/english-channel.svg")
    assert response.status_code == 200
    assert b"<b onload" not in response.content and b"<b " not in response.content
    texts = _svg_texts(response.content)  # parses: nothing broke out of its element
    assert name in texts
    root = ET.fromstring(response.content)
    assert root.find(f"{SVG_NS}title") is not None
    assert "".join(root.find(f"{SVG_NS}title").itertext()) == name  # type: ignore[union-attr]
    png = await client.get("/embed/corridors/english-channel.png")
    assert png.status_code == 200 and _png_size(png.content) == (1200, 630)


@pytest.mark.anyio
async def test_a_long_name_is_cut_to_fit_and_an_empty_corridor_says_so(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    conn.execute(
        sa.text("UPDATE corridors SET name = :name WHERE slug = 'belarus-eu'"),
        {"name": "Belarus to Poland, Lithuania and Latvia " * 8},
    )
    response = await client.get("/embed/corridors/belarus-eu.svg", params={"width": 400})
    assert response.status_code == 200
    texts = _svg_texts(response.content)
    title = next(t for t in texts if t.startswith("Belarus to Poland"))
    assert title.endswith("\u2026") and len(title) < 60
    assert "No events in the data" in texts


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("width=100", "width"),
        ("width=abc", "width"),
        ("width=1200.5", "width"),
        ("height=5000", "height"),
        ("height=", "height"),
        ("theme=blue", "theme"),
        ("category=drowning", "category"),
        ("datetime=yesterday", "datetime"),
        ("datetime_match=within", "datetime_match"),
        ("bbox=0,0,1,1", "bbox"),
        ("width=300&width=400", "width"),
    ],
)
async def test_bad_parameters_are_400_problems(
    client: httpx.AsyncClient, query: str, parameter: str
) -> None:
    for ext in ("png", "svg"):
        response = await client.get(f"/embed/corridors/{MED}.{ext}?{query}")
        assert response.status_code == 400, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["parameter"] == parameter


@pytest.mark.anyio
async def test_unknown_corridor_is_404_and_a_bad_slug_400(client: httpx.AsyncClient) -> None:
    for ext in ("png", "svg"):
        missing = await client.get(f"/embed/corridors/atlantis.{ext}")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert "atlantis" in missing.json()["detail"]
        bad = await client.get(f"/embed/corridors/Not_A_Slug.{ext}")
        assert bad.status_code == 400 and bad.json()["parameter"] == "slug"
    # not an image format: the HTML embed's route, whose slug cannot hold a dot
    other = await client.get(f"/embed/corridors/{MED}.gif")
    assert other.status_code == 400 and other.json()["parameter"] == "slug"


@pytest.mark.anyio
async def test_images_carry_an_etag_and_answer_304(settings: Any) -> None:
    """The data-version ETag applies to images as to JSON (api/caching.py), with the cache on
    (as served) and HEAD answered like GET."""
    app = create_app(
        settings.model_copy(update={"cache_responses": True, "cache_version_ttl_s": 0.0})
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for ext in ("png", "svg"):
                url = f"/embed/corridors/english-channel.{ext}?width=400&height=300"
                first = await client.get(url)
                assert first.status_code == 200
                etag = first.headers["etag"]
                assert etag.startswith('W/"')
                assert first.headers["cache-control"].startswith("public, max-age=")
                again = await client.get(url, headers={"If-None-Match": etag})
                assert again.status_code == 304 and again.content == b""
                cached = await client.get(url)
                assert cached.content == first.content
                head = await client.head(url)
                assert head.status_code == 200 and head.content == b""
                assert head.headers["content-type"] == first.headers["content-type"]
            svg = await client.get(
                "/embed/corridors/english-channel.svg?width=400&height=300",
                headers={"Accept-Encoding": "gzip"},
            )
            assert svg.headers["content-encoding"] == "gzip"  # text compresses; PNG is left as is
            assert svg.headers["content-security-policy"].startswith("default-src 'none'")
