"""``/heatmap``: H3 hexagon heatmaps of the public incidents (geo.heatmap, docs/h3.md)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import WithJsonSchema

from api.deps import INCIDENT_FILTER_PARAMETERS, Conn, IncidentFilterDep, query_parameters
from api.errors import DATA_ERRORS
from api.links import GEOJSON, JSON, filtered_link, self_link, variant_link
from api.models import HeatmapCellRow, HeatmapCollection
from api.routers.corridors import GeoJSONResponse
from geo import h3index
from geo import heatmap as hm
from geo.errors import InvalidInput
from geo.hexagons import cell_geometry_json
from geo.repo.filters import parse_choice, parse_int_between

router = APIRouter(tags=["heatmap"], dependencies=[Depends(query_parameters)])

MODES = ("coarse", "spread")
FORMATS = ("geojson", "cells")
DEFAULT_RES = 4


def res_param(
    res: Annotated[
        str | None,
        WithJsonSchema({"type": "integer", "minimum": 0, "maximum": 9, "default": DEFAULT_RES}),
        Query(
            description=(
                "H3 resolution 0-9: 0 has ~1,300 km hexagon edges, 2 ~180 km, 4 ~26 km "
                "(default), 6 ~3.7 km, 9 ~200 m."
            ),
            examples=[4],
        ),
    ] = None,
) -> int:
    if res is None:
        return DEFAULT_RES
    hint = " (H3 resolution; 0 is coarsest, 9 finest)"
    return parse_int_between(res, hm.MIN_RES, hm.MAX_RES, parameter="res", hint=hint)


def weight_param(
    weight: Annotated[
        str | None,
        WithJsonSchema({"type": "string", "enum": list(hm.WEIGHTS), "default": "incidents"}),
        Query(
            description=(
                "What a cell's `value` counts: `incidents` (default), `dead`, `missing`, or "
                "`dead_and_missing` (a count the source left empty adds 0)."
            ),
            examples=["dead_and_missing"],
        ),
    ] = None,
) -> hm.Weight:
    value = parse_choice(weight, hm.WEIGHTS, parameter="weight") if weight else "incidents"
    return value  # type: ignore[return-value]  # one of WEIGHTS, checked above


def mode_param(
    mode: Annotated[
        str | None,
        WithJsonSchema({"type": "string", "enum": list(MODES), "default": "coarse"}),
        Query(
            description=(
                "How an incident placed less precisely than `res` is shown. `coarse` (default): "
                "in its own bigger hexagon, marked `coarser: true`. `spread`: shared out evenly "
                "over the hexagons of `res` inside that bigger one (fractional values; `spread` "
                "says how much of a value is shared out)."
            ),
            examples=["spread"],
        ),
    ] = None,
) -> bool:
    return mode is not None and parse_choice(mode, MODES, parameter="mode") == "spread"


def format_param(
    format: Annotated[
        str | None,
        WithJsonSchema({"type": "string", "enum": list(FORMATS), "default": "geojson"}),
        Query(
            description=(
                "`geojson` (default): a FeatureCollection of hexagon polygons with the totals. "
                "`cells`: a bare JSON array of rows `{h3, value, resolution, coarser, spread, "
                "incidents, dead, missing, dead_and_missing}`, as deck.gl's H3HexagonLayer and "
                "kepler.gl read it."
            ),
            examples=["cells"],
        ),
    ] = None,
) -> str:
    return parse_choice(format, FORMATS, parameter="format") if format else "geojson"


_CELLS_SCHEMA = {"type": "array", "items": HeatmapCellRow.model_json_schema()}
_EXAMPLE_ROW = {
    "h3": "841ed93ffffffff", "value": 12, "resolution": 4, "coarser": False, "spread": 0,
    "incidents": 12, "dead": 40, "missing": 3, "dead_and_missing": 43,
}  # fmt: skip


def _row(cell: hm.HeatmapCell, spread: bool) -> dict[str, Any]:
    # whole numbers stay whole in coarse mode; spread shares are fractions
    counts = cell.counts() if spread else {k: int(v) for k, v in cell.counts().items()}
    return {
        "h3": h3index.to_hex(cell.cell),
        "value": cell.weight if spread else int(cell.weight),
        "resolution": cell.resolution,
        "coarser": cell.coarser,
        "spread": cell.spread,
        **counts,
    }


def _json(body: Any, media_type: str) -> Response:
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return Response(text, media_type=media_type)


@router.get(
    "/heatmap",
    name="heatmap",
    summary="H3 hexagon heatmap of incidents, dead or missing",
    description=(
        "The public incidents matching the filters (the same filters and rules as "
        "`/incidents`; each event counted once) summed into H3 hexagons at resolution `res`. "
        "The values add up to `total`, and `total + unlocated` equals what `/incidents` gives "
        "for the same filters (its `numberMatched` for `weight=incidents`, the sum of its "
        "`dead`/`missing`/`dead_and_missing` otherwise), at every resolution and in both "
        "modes (spread values are fractions, equal up to floating-point rounding). Every cell "
        "also carries all four counts (`incidents`, `dead`, `missing`, `dead_and_missing`, "
        "whatever the weight; shared out like `value` in spread mode), which add up the same "
        'way, for popups such as "12 incidents, 40 dead, 3 missing". An incident '
        "is never drawn more precisely than its place is known: see `mode`. Hexagons are "
        "drawn coarsest first; a hexagon over the 180° meridian is a MultiPolygon cut there, "
        "so Pacific cells draw correctly. A result of more than 100,000 hexagons is a 400 "
        "asking for a coarser `res`, a smaller `bbox` or coarse mode."
    ),
    response_model=HeatmapCollection,
    response_class=GeoJSONResponse,  # files the model's schema under geo+json
    responses={
        200: {
            "model": HeatmapCollection,
            "content": {
                GEOJSON: {},
                JSON: {"schema": _CELLS_SCHEMA, "example": [_EXAMPLE_ROW]},
            },
            "description": "GeoJSON hexagons (default), or rows with `format=cells`.",
        },
        **DATA_ERRORS,
    },
)
def get_heatmap(
    request: Request,
    flt: IncidentFilterDep,
    res: Annotated[int, Depends(res_param)],
    weight: Annotated[hm.Weight, Depends(weight_param)],
    spread: Annotated[bool, Depends(mode_param)],
    format: Annotated[str, Depends(format_param)],
    conn: Conn,
) -> Response:
    try:
        result = hm.heatmap(conn, resolution=res, flt=flt, spread=spread, weight=weight)
    except InvalidInput as exc:  # too many cells: geo.heatmap's `resolution` is our `res`
        if exc.parameter != "resolution":
            raise
        raise InvalidInput(str(exc), parameter="res") from exc
    rows = [_row(cell, spread) for cell in result.cells]
    if format == "cells":
        return _json(rows, JSON)
    links = [
        self_link(request, GEOJSON, "This heatmap"),
        variant_link(request, "alternate", JSON, "The same cells as rows", format="cells"),
        filtered_link(
            request,
            "list_incidents",
            "items",
            GEOJSON,
            "The incidents counted",
            keep=INCIDENT_FILTER_PARAMETERS,
        ),
    ]
    head = {
        "type": "FeatureCollection",
        "resolution": result.resolution,
        "mode": "spread" if result.spread else "coarse",
        "weight": result.weight,
        "total": result.total,
        "unlocated": result.unlocated,
        "incidents": result.incidents,
        "unlocated_incidents": result.unlocated_incidents,
        "numberMatched": len(rows),
        "numberReturned": len(rows),
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "links": [link.model_dump(exclude_none=True) for link in links],
    }
    return Response(_with_features(head, result.cells, rows), media_type=GEOJSON)


def _with_features(head: dict[str, Any], cells: list[hm.HeatmapCell], rows: list[Any]) -> str:
    """The collection as JSON text, features spliced in from cached geometry text: at 50,000
    hexagons, serialising the polygons again on every request was most of the time."""
    features = ",".join(
        f'{{"type":"Feature","id":"{row["h3"]}","geometry":{cell_geometry_json(cell.cell)},'
        f'"properties":{json.dumps(row, separators=(",", ":"))}}}'
        for cell, row in zip(cells, rows, strict=True)
    )
    text = json.dumps(head, separators=(",", ":"), ensure_ascii=False)
    return f'{text[:-1]},"features":[{features}]}}'
