"""``/embed/corridors/{slug}.png`` and ``.svg``: static corridor maps (maps.static_image).

The images an embed uses as its ``og:image`` social card and ``<noscript>`` fallback, and that
journalists download. Included before ``api.routers.embeds`` (the HTML embed at
``/embed/corridors/{slug}``), so these paths are matched first; a slug cannot hold a dot, so the
HTML route could not take ``x.png`` for a slug anyway.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import WithJsonSchema

from api.deps import (
    CategoriesDep,
    Conn,
    IntervalDep,
    SlugDep,
    ThemeDep,
    query_parameters,
)
from api.errors import DATA_ERRORS, not_found
from geo.repo.filters import parse_int_between
from geo.repo.incidents import IncidentFilter
from maps import static_image as img

router = APIRouter(tags=["embeds"], dependencies=[Depends(query_parameters)])

# An SVG opened on its own is a document: no script, no outside fetch, only its inline styles.
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def width_param(
    width: Annotated[
        str | None,
        WithJsonSchema(
            {
                "type": "integer",
                "minimum": img.MIN_WIDTH,
                "maximum": img.MAX_WIDTH,
                "default": img.DEFAULT_WIDTH,
            }
        ),
        Query(description="Image width in pixels (default 1200, the og:image size)."),
    ] = None,
) -> int:
    if width is None:
        return img.DEFAULT_WIDTH
    return parse_int_between(width, img.MIN_WIDTH, img.MAX_WIDTH, parameter="width", hint=" px")


def height_param(
    height: Annotated[
        str | None,
        WithJsonSchema(
            {
                "type": "integer",
                "minimum": img.MIN_HEIGHT,
                "maximum": img.MAX_HEIGHT,
                "default": img.DEFAULT_HEIGHT,
            }
        ),
        Query(description="Image height in pixels (default 630, the og:image size)."),
    ] = None,
) -> int:
    if height is None:
        return img.DEFAULT_HEIGHT
    return parse_int_between(height, img.MIN_HEIGHT, img.MAX_HEIGHT, parameter="height", hint=" px")


WidthDep = Annotated[int, Depends(width_param)]
HeightDep = Annotated[int, Depends(height_param)]

_DESCRIPTION = (
    "A static map of one corridor, drawn on the server with no tile server or other network "
    "(for `og:image` social cards, `<noscript>` fallbacks and downloads): Web Mercator, Natural "
    "Earth countries, the corridor outline, and the dead and missing of its public events "
    "summed into H3 hexagons (the resolution follows the image size and how precisely the "
    "places are known; an event placed only roughly keeps its own bigger hexagon, drawn as an "
    "outline, and events known only to a sea or a country are counted but not drawn, which a "
    "note on the image says). Colours: the product's one scale (classes 1, 2–5, 6–10, 11–50, "
    "51–100, 101–500, 501+). The image carries the corridor name, one line of figures (dead "
    "and missing, events, period) and the credit. `datetime` and `category` narrow the events "
    "as on `/incidents`. Same data, same bytes: responses carry the data-version ETag."
)


def _image(
    conn: Conn,
    slug: str,
    interval: IntervalDep,
    categories: CategoriesDep,
    width: int,
    height: int,
    theme: str,
    fmt: str,
) -> Response:
    flt = IncidentFilter(interval=interval, categories=categories, corridor=slug)
    data = img.corridor_image(
        conn, slug=slug, flt=flt, width=width, height=height, theme=theme, fmt=fmt
    )
    headers = {
        "Content-Disposition": f'inline; filename="{slug}.{fmt}"',  # slug: [a-z0-9-] only
        "X-Content-Type-Options": "nosniff",
    }
    if fmt == "svg":
        headers["Content-Security-Policy"] = SVG_CSP
    return Response(data, media_type=img.MEDIA_TYPES[fmt], headers=headers)


@router.get(
    "/embed/corridors/{slug}.png",
    name="get_corridor_png",
    summary="A corridor's static map as PNG",
    description=_DESCRIPTION,
    response_class=Response,
    responses={
        200: {
            "description": "The map, `width` x `height` pixels.",
            "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
        },
        **not_found("corridor"),
        **DATA_ERRORS,
    },
)
def get_corridor_png(
    slug: SlugDep,
    interval: IntervalDep,
    categories: CategoriesDep,
    width: WidthDep,
    height: HeightDep,
    theme: ThemeDep,
    conn: Conn,
) -> Response:
    return _image(conn, slug, interval, categories, width, height, theme, "png")


@router.get(
    "/embed/corridors/{slug}.svg",
    name="get_corridor_svg",
    summary="A corridor's static map as SVG",
    description=(
        f"{_DESCRIPTION} The SVG keeps its text as text (searchable, selectable), sized "
        "`width` x `height` pixels, and is served with a Content-Security-Policy that allows "
        "nothing but its inline styles."
    ),
    response_class=Response,
    responses={
        200: {
            "description": "The map as SVG 1.1.",
            "content": {"image/svg+xml": {"schema": {"type": "string"}}},
        },
        **not_found("corridor"),
        **DATA_ERRORS,
    },
)
def get_corridor_svg(
    slug: SlugDep,
    interval: IntervalDep,
    categories: CategoriesDep,
    width: WidthDep,
    height: HeightDep,
    theme: ThemeDep,
    conn: Conn,
) -> Response:
    return _image(conn, slug, interval, categories, width, height, theme, "svg")
