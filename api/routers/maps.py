"""Map pages (HTML): ``GET /map``, the monitor map, also served at ``GET /`` to browsers.

The page is built by ``maps.monitor``; its live layers come from the data routes, which the
page's script calls with the filters this route validated. Pages carry the same ETag and
caching as the data (api/caching.py): they change when the data does.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import WithJsonSchema

from api.deps import (
    BBoxDep,
    CategoriesDep,
    Conn,
    IntervalDep,
    SourcesDep,
    get_settings,
    query_parameters,
    read_only_connection,
)
from api.errors import DATA_ERRORS
from api.links import GEOJSON
from api.settings import Settings
from geo.errors import InvalidInput
from geo.repo.basemap import countries_geojson
from geo.repo.filters import parse_int_between
from geo.repo.incidents import check_sources
from maps.monitor import (
    MAX_ZOOM,
    Endpoints,
    MonitorOptions,
    MonitorState,
    ReferenceCache,
    TileConfig,
    monitor_page,
)

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
        reference_cache=_reference_cache(request, settings),
        endpoints=Endpoints(
            heatmap=f"{root}/heatmap",
            incidents=f"{root}/incidents",
            clusters=f"{root}/clusters",
            sources=f"{root}/sources",
            pattern=f"{root}/stats/global-pattern",
            map=f"{root}/map",
            countries=f"{root}/map/countries.geojson",
        ),
    )


def _reference_cache(request: Request, settings: Settings) -> ReferenceCache | None:
    """One per app, only when responses are cached at all: tests turn caching off because
    they change data in transactions the data version cannot see."""
    if not settings.cache_responses:
        return None
    cache: ReferenceCache | None = getattr(request.app.state, "map_reference_cache", None)
    if cache is None:
        cache = ReferenceCache()
        request.app.state.map_reference_cache = cache
    return cache


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


def landing_page(request: Request) -> HTMLResponse:
    """The monitor map with no filters, for ``GET /`` asked by a browser."""
    settings: Settings = request.app.state.settings
    with read_only_connection(request.app.state.engine) as conn:
        html = monitor_page(conn, state=MonitorState(), options=page_options(request, settings))
    return HTMLResponse(html)


def zoom_param(
    z: Annotated[
        str | None,
        WithJsonSchema({"type": "integer", "minimum": 0, "maximum": MAX_ZOOM, "default": 2}),
        Query(
            description=f"The map's zoom level, 0-{MAX_ZOOM}: outlines are simplified to "
            "about half a pixel at it."
        ),
    ] = None,
) -> int:
    if z is None:
        return 2
    return parse_int_between(z, 0, MAX_ZOOM, parameter="z", hint=" (a web map zoom level)")


def max_span_deg(z: int) -> float:
    """The widest box served at zoom ``z``: sixteen 256 px tiles, room for a padded view on
    a large screen, and a bound on the detail one request can ask for."""
    return min(360.0, 360.0 / 2 ** max(z - 4, 0))


@router.get(
    "/map/countries.geojson",
    name="map_countries",
    summary="Natural Earth countries for a map view (the map's detailed basemap)",
    description=(
        "The countries inside `bbox`, simplified to about half a pixel at zoom `z` and clipped "
        "to the box, as a GeoJSON FeatureCollection (`code`, `name`). The monitor map draws "
        "the world at one coarse scale and asks this for its view from zoom 5 on, so coasts "
        "and islands (Lampedusa, Lesbos) stay sharp without a tile server. The box may span "
        "at most 360 / 2^(z-4) degrees (90 at zoom 6) and must not cross the antimeridian; "
        "without `bbox` the whole world is asked, which only zoom 4 or less allows."
    ),
    response_class=Response,
    responses={
        200: {
            "content": {GEOJSON: {"schema": {"type": "object"}}},
            "description": "A GeoJSON FeatureCollection of country outlines.",
        },
        **DATA_ERRORS,
    },  # fmt: skip
)
def map_countries(bbox: BBoxDep, z: Annotated[int, Depends(zoom_param)], conn: Conn) -> Response:
    span = max_span_deg(z)
    if bbox is not None and bbox.crosses_antimeridian:
        raise InvalidInput(
            "bbox must not cross the antimeridian here; ask for each side separately",
            parameter="bbox",
        )
    width = 360.0 if bbox is None else bbox.maxx - bbox.minx
    height = 180.0 if bbox is None else bbox.maxy - bbox.miny
    if max(width, height) > span:
        raise InvalidInput(
            f"bbox spans up to {span:g} degrees at zoom {z}; ask a smaller box or a lower z",
            parameter="bbox",
        )
    box = None if bbox is None else (bbox.minx, bbox.miny, bbox.maxx, bbox.maxy)
    tolerance = max(360.0 / (256 * 2**z) / 2, 0.0005)
    return Response(countries_geojson(conn, box=box, tolerance_deg=tolerance), media_type=GEOJSON)
