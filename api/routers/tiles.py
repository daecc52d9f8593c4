"""``/tiles``: vector tiles (MVT) of incidents, hexagons, corridors and land borders, and the
TileJSON document a web map reads to use them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import WithJsonSchema

from api.deps import Conn, IncidentFilterDep, query_parameters
from api.errors import DATA_ERRORS
from api.links import url_template
from api.routers.meta import CREDITS
from api.tilejson import TileJSON, VectorLayer
from geo import tiles
from geo.errors import InvalidInput
from geo.repo.incidents import IncidentFilter

router = APIRouter(tags=["tiles"], dependencies=[Depends(query_parameters)])

ATTRIBUTION = "; ".join(f'<a href="{c.href}">{c.name}</a>' for c in CREDITS)


def layer_path(
    layer: Annotated[
        str,
        WithJsonSchema({"type": "string", "enum": list(tiles.LAYERS)}),
        Path(
            description=(
                "`incidents` (points), `hexagons` (H3 cells with counts), `corridors` or "
                "`land_borders` (reference outlines, not filtered)."
            ),
            examples=["incidents"],
        ),
    ],
) -> str:
    return tiles.parse_layer(layer)


def tile_path(
    z: Annotated[
        str,
        WithJsonSchema({"type": "integer", "minimum": tiles.MIN_ZOOM, "maximum": tiles.MAX_ZOOM}),
        Path(description=f"Zoom, {tiles.MIN_ZOOM} to {tiles.MAX_ZOOM}.", examples=[6]),
    ],
    x: Annotated[
        str,
        WithJsonSchema({"type": "integer", "minimum": 0}),
        Path(description="Column, 0 to 2^z - 1, from the west (XYZ scheme).", examples=[34]),
    ],
    y: Annotated[
        str,
        WithJsonSchema({"type": "integer", "minimum": 0}),
        Path(description="Row, 0 to 2^z - 1, from the north (XYZ scheme).", examples=[25]),
    ],
) -> tiles.Tile:
    return tiles.parse_tile(z, x, y)


LayerDep = Annotated[str, Depends(layer_path)]
TileDep = Annotated[tiles.Tile, Depends(tile_path)]


def layer_filter(request: Request, layer: LayerDep, flt: IncidentFilterDep) -> IncidentFilter:
    """The filters, which only the incident layers take: a filter on a reference layer would
    otherwise be ignored without a word."""
    if layer in tiles.REFERENCE_LAYERS and flt != IncidentFilter():
        name = next(iter(request.query_params))
        raise InvalidInput(
            f"the {layer} layer is not filtered; drop {name} (filters apply to the "
            f"{' and '.join(tiles.INCIDENT_LAYERS)} layers)",
            parameter=name,
        )
    return flt


LayerFilterDep = Annotated[IncidentFilter, Depends(layer_filter)]

_FILTERS = (
    "The incident layers take every filter of `/incidents` (bbox, datetime, datetime_match, "
    "category, corridor, country, precision, max_uncertainty_m) with the same meaning and "
    "errors; the reference layers take none (a 400)."
)


@router.get(
    "/tiles/{layer}/{z}/{x}/{y}.mvt",
    name="get_tile",
    summary="A vector tile (Mapbox Vector Tile) of one layer",
    description=(
        "One tile of the web-mercator XYZ matrix (zoom 0-16) as a Mapbox Vector Tile "
        "(`application/vnd.mapbox-vector-tile`, 4096 units a side, 64 units of buffer), made "
        "in PostGIS with `ST_AsMVT`. The tile holds one layer named as the path says. "
        "`incidents`: one point per public event inside the tile, exactly the events "
        "`/incidents?bbox=<tile bounds>` lists, with their main attributes (no point is more "
        "precise than in `/incidents`). `hexagons`: the H3 cells reaching into the tile at "
        "resolution `min(9, (z + 2) // 2)` (zoom 6 → res 4, ~23 km edges), each with the "
        "number of events (`incidents`) and their `dead_and_missing`, counted over the whole "
        "cell; an event whose place is known only roughly stays in its own, coarser cell "
        "(`coarser: true`), as in the coarse heatmap. `corridors`, `land_borders`: reference "
        f"outlines. {_FILTERS} A tile with no feature is a 204 with an empty body. A zoom, "
        "column or row outside the matrix is a 400 saying the range."
    ),
    response_class=Response,
    responses={
        200: {
            "description": "The tile.",
            "content": {tiles.MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        },
        204: {"description": "No feature in this tile (empty body)."},
        **DATA_ERRORS,
    },
)
def get_tile(layer: LayerDep, tile: TileDep, flt: LayerFilterDep, conn: Conn) -> Response:
    if layer == "incidents":
        data = tiles.incidents_tile(conn, tile=tile, flt=flt)
    elif layer == "hexagons":
        data = tiles.hexagons_tile(conn, tile=tile, flt=flt)
    else:
        data = tiles.reference_tile(conn, tile=tile, layer=layer)
    if not data:
        return Response(status_code=204)
    return Response(data, media_type=tiles.MEDIA_TYPE)


@router.get(
    "/tiles/{layer}.json",
    name="get_tilejson",
    summary="TileJSON 3.0.0 for one tile layer",
    description=(
        "What MapLibre, deck.gl or QGIS need to draw a layer: the tile URL template (keeping "
        "the filters given here, so the map shows the filtered data), zoom range, bounds of the "
        "data, the layer's attribute names and types, and the attribution to show. "
        f"{_FILTERS}"
    ),
    response_model=TileJSON,
    responses=DATA_ERRORS,
)
def get_tilejson(request: Request, layer: LayerDep, flt: LayerFilterDep, conn: Conn) -> TileJSON:
    bounds = tiles.data_bounds(conn, layer=layer, flt=flt) or (
        -180.0,
        -tiles.MERCATOR_MAX_LAT,
        180.0,
        tiles.MERCATOR_MAX_LAT,
    )
    west, south, east, north = bounds
    return TileJSON(
        name=f"Crossings {layer}",
        description=tiles.DESCRIPTIONS[layer],
        version=request.app.version,
        attribution=ATTRIBUTION,
        tiles=[url_template(request, "get_tile", "z", "x", "y", layer=layer)],
        minzoom=tiles.MIN_ZOOM,
        maxzoom=tiles.MAX_ZOOM,
        bounds=[west, south, east, north],
        center=[(west + east) / 2, (south + north) / 2, 2],
        vector_layers=[
            VectorLayer(
                id=layer,
                description=tiles.DESCRIPTIONS[layer],
                minzoom=tiles.MIN_ZOOM,
                maxzoom=tiles.MAX_ZOOM,
                fields=tiles.FIELDS[layer],
            )
        ],
    )
