"""``/corridors/{slug}/map``: the corridor's own HTML page (maps.corridor_page).

A browser asking for an unknown corridor gets an HTML 404 page; an API client (no
``text/html`` in Accept) gets the usual problem+json.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.deps import CategoriesDep, Conn, IntervalDep, SlugDep, get_settings, query_parameters
from api.errors import DATA_ERRORS, not_found
from api.settings import Settings
from geo.errors import NotFound
from maps.corridor_page import Filters, corridor_page, not_found_page

router = APIRouter(tags=["maps"], dependencies=[Depends(query_parameters)])

FILTER_NAMES = ("datetime", "datetime_match", "category")


def wants_html(request: Request) -> bool:
    """A browser: it lists text/html in Accept before any JSON type (or without one)."""
    accept = request.headers.get("accept", "").lower()
    if "text/html" not in accept:
        return False
    json_at = min((accept.find(t) for t in ("json",) if t in accept), default=len(accept))
    return accept.find("text/html") < json_at


@router.get(
    "/corridors/{slug}/map",
    name="get_corridor_map",
    summary="A corridor's page: map, totals, time series, clusters, causes and embed code",
    description=(
        "An HTML page for people: the corridor on a map (Natural Earth basemap, its outline, "
        "its hexagons coloured by dead and missing, its cluster hulls), its totals (as "
        "`/corridors/{slug}`), dead and missing per month or year as a bar chart with the same "
        "numbers as a table (`/corridors/{slug}/timeseries`), its clusters "
        "(`/corridors/{slug}/clusters`), its top causes, and the code to embed the map "
        "(`/embed/corridors/{slug}`, `/oembed`). `datetime` and `category` filter everything "
        "on it, and every link of the page keeps them. The page loads nothing from another "
        "host. An unknown slug is a 404: an HTML page for browsers, problem+json otherwise."
    ),
    response_class=HTMLResponse,
    responses={**DATA_ERRORS, **not_found("corridor")},
)
def get_corridor_map(
    request: Request,
    slug: SlugDep,
    interval: IntervalDep,
    categories: CategoriesDep,
    conn: Conn,
    settings: Annotated[Settings, Depends(get_settings)],
) -> HTMLResponse:
    base = str(request.base_url)
    query = {k: v for k, v in request.query_params.items() if k in FILTER_NAMES}
    filters = Filters(interval=interval, categories=categories, query=query)
    try:
        html = corridor_page(
            conn, slug=slug, filters=filters, base=base, cache_age=settings.cache_max_age_s
        )
    except NotFound as exc:
        if not wants_html(request):
            raise
        return HTMLResponse(not_found_page(str(exc), base=base), status_code=404)
    return HTMLResponse(html)
