"""Map pages (HTML): ``GET /map``, the monitor map, also served at ``GET /`` to browsers.

The page is built by ``maps.monitor``; its live layers come from the data routes, which the
page's script calls with the filters this route validated. Pages carry the same ETag and
caching as the data (api/caching.py): they change when the data does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import sqlalchemy.exc as sa_exc
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import WithJsonSchema
from sqlalchemy.engine import Connection, Engine

from api.deps import (
    CategoriesDep,
    Conn,
    IntervalDep,
    SourcesDep,
    get_settings,
    query_parameters,
)
from api.errors import DATA_ERRORS
from api.settings import Settings
from geo.errors import InvalidInput, translate_db_error
from geo.repo.filters import parse_int_between
from geo.repo.incidents import check_sources
from maps.monitor import Endpoints, MonitorOptions, MonitorState, TileConfig, monitor_page

router = APIRouter(tags=["maps"], dependencies=[Depends(query_parameters)])

HTML = "text/html"


def res_pin_param(
    res: Annotated[
        str | None,
        WithJsonSchema({"type": "integer", "minimum": 0, "maximum": 9}),
        Query(
            description=(
                "Pin the hexagons to this H3 resolution (0-9) instead of following the zoom."
            ),
            examples=[3],
        ),
    ] = None,
) -> int | None:
    if res is None:
        return None
    hint = " (H3 resolution; 0 is coarsest, 9 finest)"
    return parse_int_between(res, 0, 9, parameter="res", hint=hint)


def map_state(
    interval: IntervalDep,
    categories: CategoriesDep,
    source: SourcesDep,
    res: Annotated[int | None, Depends(res_pin_param)],
) -> MonitorState:
    """The page's filters, parsed by the same functions as the data routes (same 400s)."""
    if interval is not None and interval.match != "overlaps":
        raise InvalidInput(
            "the map matches dates by overlap; leave datetime_match out",
            parameter="datetime_match",
        )
    return MonitorState(
        start=interval.start if interval else None,
        end=interval.end if interval else None,
        categories=categories,
        sources=source,
        res=res,
    )


MapStateDep = Annotated[MonitorState, Depends(map_state)]


def page_options(request: Request, settings: Settings) -> MonitorOptions:
    """Where the page finds its assets and the API (below the app's root_path), and the
    configured tile server if any."""
    root = request.scope.get("root_path", "").rstrip("/")
    tile = (
        TileConfig(settings.tile_url, settings.tile_attribution or "")
        if settings.tile_url
        else None
    )
    return MonitorOptions(
        assets=f"{root}/static",
        tile=tile,
        version=request.app.version,
        endpoints=Endpoints(
            heatmap=f"{root}/heatmap",
            incidents=f"{root}/incidents",
            clusters=f"{root}/clusters",
            sources=f"{root}/sources",
            pattern=f"{root}/stats/global-pattern",
            map=f"{root}/map",
        ),
    )


@router.get(
    "/map",
    name="monitor_map",
    summary="The monitor map (HTML page)",
    description=(
        "An interactive map for monitors and journalists: dead and missing per H3 hexagon "
        "(resolution following the zoom), cluster outlines per corridor, incident points when "
        "zoomed in, corridors, land borders and sea routes, with filters for period, category "
        "and dataset, a legend, totals and the global-pattern figures per region. The page "
        "loads nothing from other hosts; its live layers come from `/heatmap`, `/clusters`, "
        "`/incidents`, `/sources` and `/stats/global-pattern`. The query is the page's state "
        "(what a shared link carries): `datetime`, `category`, `source` (parsed as on "
        "`/incidents`) and `res` (pins the hexagon size). `GET /` gives the same page to browsers."
    ),
    response_class=HTMLResponse,
    responses={200: {"content": {HTML: {}}, "description": "The map page."}, **DATA_ERRORS},
)
def monitor_map(
    request: Request,
    state: MapStateDep,
    settings: Annotated[Settings, Depends(get_settings)],
    conn: Conn,
) -> HTMLResponse:
    check_sources(conn, state.sources)  # a typo is a 400, not an empty map
    return HTMLResponse(monitor_page(conn, state=state, options=page_options(request, settings)))


@contextmanager
def _read_only(engine: Engine) -> Iterator[Connection]:
    """As ``api.deps.get_conn``, for ``/``, which needs a connection only for its HTML form."""
    try:
        conn = engine.connect()
    except (sa_exc.DBAPIError, sa_exc.TimeoutError) as exc:
        raise translate_db_error(exc) from exc
    with conn:
        readonly = conn.execution_options(postgresql_readonly=True)
        with readonly.begin():
            yield readonly


def landing_page(request: Request) -> HTMLResponse:
    """The monitor map with no filters, for ``GET /`` asked by a browser."""
    settings: Settings = request.app.state.settings
    with _read_only(request.app.state.engine) as conn:
        html = monitor_page(conn, state=MonitorState(), options=page_options(request, settings))
    return HTMLResponse(html)
