"""``/stats``: statistics over public incidents. The computation lives in ``geo.pattern``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import WithJsonSchema

from api.deps import Conn, IncidentFilterDep, query_parameters
from api.errors import DATA_ERRORS
from api.links import self_link
from api.pattern_models import GlobalPattern
from geo.pattern import global_pattern
from geo.pattern.hotspots import DEFAULT_RES, MAX_RES, MIN_RES
from geo.repo.filters import parse_int_between

router = APIRouter(tags=["statistics"], dependencies=[Depends(query_parameters)])


def res_param(
    res: Annotated[
        str | None,
        WithJsonSchema(
            {"type": "integer", "minimum": MIN_RES, "maximum": MAX_RES, "default": DEFAULT_RES}
        ),
        Query(
            description=(
                f"H3 resolution of the hot-spot cells, {MIN_RES} to {MAX_RES} (default "
                f"{DEFAULT_RES}, hexagons of ~69 km edge; 5 ~10 km, the finest most MMP places "
                "support). Incidents known only more roughly than this are left out of the hot "
                "spots and counted."
            ),
            examples=[DEFAULT_RES],
        ),
    ] = None,
) -> int:
    if res is None:
        return DEFAULT_RES
    return parse_int_between(res, MIN_RES, MAX_RES, parameter="res", hint=" (H3 resolution)")


_EXAMPLE_SUMMARY = (
    "3,867 incidents (13,953 dead, 12,868 missing) match this query. They were recorded in 4 of "
    "5 world regions; the largest, Africa, holds 39% of those with a known place ..."
)


@router.get(
    "/stats/global-pattern",
    name="global_pattern",
    summary="Is it one region's problem or a worldwide pattern? The evidence",
    description=(
        "For the incidents matching the filters (the same filters and counting as "
        "`/incidents`): incidents, dead and missing per UN world region (at sea: the nearest "
        "country's region) and per corridor with their shares of the total; how concentrated "
        "they are (largest share, normalised entropy, Gini), overall and per year; Getis-Ord "
        "Gi* hot spots on H3 cells (999 permutations, fixed seed, Benjamini-Hochberg false "
        "discovery rate 5%) and the regions and corridors that hold them; the mix of causes "
        "per region and the causes that recur across regions; and a plain-language `summary` "
        "built from those numbers. The same data and parameters give the same answer, apart "
        "from `timeStamp`. docs/api.md explains each statistic and what it does not prove."
    ),
    response_model=GlobalPattern,
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {"summary": _EXAMPLE_SUMMARY, "total": {"incidents": 3867}}
                }
            }
        },
        **DATA_ERRORS,
    },
)
def get_global_pattern(
    request: Request,
    flt: IncidentFilterDep,
    res: Annotated[int, Depends(res_param)],
    conn: Conn,
) -> GlobalPattern:
    body = global_pattern(conn, flt=flt, resolution=res)
    return GlobalPattern.model_validate(
        {**body, "timeStamp": datetime.now(UTC), "links": [self_link(request)]}
    )
