"""``/corridors``: the corridor catalogue with incident totals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from api.deps import Conn, IntervalDep, SlugDep, query_parameters
from api.errors import DATA_ERRORS, not_found
from api.links import GEOJSON, JSON, incidents_link, route_link, self_link
from api.models import Corridor, CorridorFeature, CorridorList, CorridorTotals
from geo.repo import corridors as repo

router = APIRouter(tags=["corridors"], dependencies=[Depends(query_parameters)])


class GeoJSONResponse(JSONResponse):
    """Served as ``application/geo+json``, the type the ``alternate`` link announces."""

    media_type = GEOJSON


_DATETIME_NOTE = " With `datetime`, totals count only incidents whose event date is inside it."


def _corridor(request: Request, row: Any) -> Corridor:
    slug = row["slug"]
    return Corridor(
        slug=slug,
        name=row["name"],
        kind=row["kind"],
        region=row["region"],
        description=row["description"],
        countries=list(row["countries"]),
        mmp_routes=list(row["mmp_routes"]),
        area_km2=row["area_km2"],
        catalogue_version=row["catalogue_version"],
        totals=CorridorTotals(
            incidents=row["incidents"],
            dead=row["dead"],
            missing=row["missing"],
            dead_and_missing=row["dead_and_missing"],
            first_event_date=row["first_event_date"],
            last_event_date=row["last_event_date"],
        ),
        links=[
            route_link(request, "get_corridor", "self", JSON, "This corridor", slug=slug),
            route_link(request, "get_corridor_feature", "alternate", GEOJSON, "Outline", slug=slug),
            incidents_link(request, "Incidents in this corridor", corridor=slug),
        ],
    )


@router.get(
    "/corridors",
    name="list_corridors",
    summary="Corridors with incident totals",
    description=(
        "Every corridor of the catalogue (by slug) with the number of public incidents inside "
        "it, their dead, missing and dead-and-missing sums and first/last event date."
        + _DATETIME_NOTE
    ),
    response_model=CorridorList,
    responses=DATA_ERRORS,
)
def list_corridors(request: Request, interval: IntervalDep, conn: Conn) -> CorridorList:
    items = [_corridor(request, row) for row in repo.list_corridors(conn, interval=interval)]
    return CorridorList(
        corridors=items,
        numberMatched=len(items),
        numberReturned=len(items),
        timeStamp=datetime.now(UTC),
        links=[self_link(request)],
    )


@router.get(
    "/corridors/{slug}",
    name="get_corridor",
    summary="One corridor with incident totals",
    description="One corridor's attributes and totals, without its outline." + _DATETIME_NOTE,
    response_model=Corridor,
    responses={**DATA_ERRORS, **not_found("corridor")},
)
def get_corridor(request: Request, slug: SlugDep, interval: IntervalDep, conn: Conn) -> Corridor:
    return _corridor(request, repo.get_corridor(conn, slug=slug, interval=interval))


@router.get(
    "/corridors/{slug}/feature",
    name="get_corridor_feature",
    summary="One corridor as a GeoJSON Feature (outline + totals)",
    description=(
        "The corridor's (multi)polygon outline with the same properties as `/corridors/{slug}`, "
        "as a GeoJSON Feature whose `bbox` is the outline's extent." + _DATETIME_NOTE
    ),
    response_model=CorridorFeature,
    response_class=GeoJSONResponse,
    responses={**DATA_ERRORS, **not_found("corridor")},
)
def get_corridor_feature(
    request: Request, slug: SlugDep, interval: IntervalDep, conn: Conn
) -> CorridorFeature:
    props = _corridor(request, repo.get_corridor(conn, slug=slug, interval=interval))
    geometry, bbox = repo.corridor_geometry(conn, slug=slug)
    return CorridorFeature.model_validate(
        {
            "type": "Feature",
            "id": slug,
            "bbox": bbox,
            "geometry": geometry,
            "properties": props.model_dump(),
        }
    )
