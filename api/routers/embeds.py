"""``/embed/corridors/{slug}``: the corridor map a newsroom puts in an ``<iframe>`` (maps.embed).

Framing by any site is the point (``frame-ancestors *``; no ``X-Frame-Options``). The page
loads scripts and styles from this server only, and its ETag follows the data version like
every other read (api/caching.py), so a CDN or browser revalidates it cheaply.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.deps import (
    CategoriesDep,
    Conn,
    IntervalDep,
    LangDep,
    SlugDep,
    ThemeDep,
    query_parameters,
)
from api.errors import DATA_ERRORS
from geo.repo.incidents import IncidentFilter
from maps.embed import EmbedLinks, corridor_embed
from maps.oembed import with_query

router = APIRouter(tags=["maps"], dependencies=[Depends(query_parameters)])

# Scripts, styles and images from this server only (inline ones are folium's and the page's
# own data); any site may frame it.
EMBED_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors *"
)


def _kept(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if k in names}


@router.get(
    "/embed/corridors/{slug}",
    name="corridor_embed",
    summary="Embeddable map of one corridor (HTML for an iframe)",
    description=(
        "A light, self-contained page for an `<iframe>`: the corridor's hexagons of dead and "
        "missing, one sentence with the numbers, the period, source credit and last update, "
        "and a text alternative (a table by year) for screen readers. Responsive from 320 px. "
        "It posts its height to the parent page "
        '(`{"type": "crossings:height", "height": <px>, "id": "<slug>"}`) so a CMS can size '
        "the iframe. Filters `datetime`, `category`; `theme`; `lang` (en, fr, es, ar). "
        "Framing is allowed from any site; `/oembed` gives the iframe HTML."
    ),
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}}, **DATA_ERRORS},
)
def get_corridor_embed(
    request: Request,
    slug: SlugDep,
    interval: IntervalDep,
    categories: CategoriesDep,
    theme: ThemeDep,
    lang: LangDep,
    conn: Conn,
) -> HTMLResponse:
    filters = _kept(request, ("datetime", "datetime_match", "category"))
    image = _kept(request, ("datetime", "datetime_match", "category", "theme"))
    root = request.scope.get("root_path", "")  # paths, not URLs: any host name works
    links = EmbedLinks(
        full_map=with_query(f"{root}/corridors/{slug}/map", filters),
        image=with_query(f"{root}/embed/corridors/{slug}.png", image),
        canonical=str(request.url),
    )
    html = corridor_embed(
        conn,
        slug=slug,
        flt=IncidentFilter(interval=interval, categories=categories),
        theme=theme,
        lang=lang,
        links=links,
        assets=f"{root}/static",
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": EMBED_CSP})
