"""``/incidents``: the public incident layer as GeoJSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from api import exports
from api.deps import Conn, IncidentFilterDep, IncidentIdDep, PagingDep, query_parameters
from api.errors import DATA_ERRORS, not_found
from api.links import GEOJSON, page_links, route_link
from api.models import IncidentCollection, IncidentFeature
from geo import h3index
from geo.repo import incidents as repo

router = APIRouter(tags=["incidents"], dependencies=[Depends(query_parameters)])

_PROPERTIES = (
    "date_precision", "category", "dead", "missing", "dead_and_missing", "survivors",
    "injured", "pushed_back", "women", "men", "children", "cause", "location", "country",
    "sea_area", "border", "border_distance_km", "coast_distance_km", "corridor",
    "precision", "uncertainty_m", "h3_res", "location_source", "precision_basis", "source",
    "source_name", "source_url", "route", "review_state", "review_reasons", "incident_type",
)  # fmt: skip


_pick = itemgetter(*_PROPERTIES)


def _h3_hex(cell: int | None) -> str | None:
    return h3index.to_hex(cell) if cell is not None else None


def feature(row: Any) -> dict[str, Any]:
    """A plain-dict GeoJSON Feature: cheap enough to build 10,000 per request."""
    props = {"date": row["event_date"].isoformat() if row["event_date"] else None}
    props.update(zip(_PROPERTIES, _pick(row), strict=True))
    props["h3"] = _h3_hex(row["h3_cell"])
    props["sources"] = row["sources"]
    geometry = (
        {"type": "Point", "coordinates": [row["lon"], row["lat"]]}
        if row["lon"] is not None
        else None
    )
    return {
        "type": "Feature",
        "id": str(row["id"]),
        "geometry": geometry,
        "properties": props,
    }


def _geojson(body: dict[str, Any]) -> Response:
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str)
    return Response(text, media_type=GEOJSON)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@router.get(
    "/incidents",
    name="list_incidents",
    summary="Incidents as a GeoJSON FeatureCollection",
    description=(
        "Public incidents (deaths, disappearances, pushbacks, violence, detention) ordered by "
        "event date then id, undated incidents last. One feature per event: when several "
        "sources report the same event, the feature is its preferred record and `sources` "
        "lists every public record of it. Filters combine with AND. Incidents "
        "without coordinates are included with `geometry: null` unless `bbox`, "
        "`precision` or `max_uncertainty_m` is given. `precision` and `uncertainty_m` say how "
        "well the place is known; `h3` is the cell at `h3_res`, the finest resolution that "
        "uncertainty supports. "
        "Page with the `next` link (a keyset cursor): pages stay consistent while data is "
        "added. `numberMatched` counts events over every page. "
        "`f=csv` or `f=parquet` downloads every matching incident as one file instead (see "
        "`f`; one row per event, `X-Number-Matched` header)."
    ),
    response_model=IncidentCollection,
    response_class=Response,
    responses={
        200: {"model": IncidentCollection, "content": exports.OPENAPI_CONTENT},
        **DATA_ERRORS,
    },
)
def list_incidents(
    request: Request,
    flt: IncidentFilterDep,
    paging: PagingDep,
    export: exports.ExportDep,
    conn: Conn,
) -> Response:
    if export.format != "geojson":
        return export.response(conn, flt=flt, to_feature=feature, properties=_PROPERTIES)
    page = repo.list_incidents(conn, flt=flt, limit=paging.limit, cursor=paging.cursor)
    token = page.next_cursor.encode() if page.next_cursor else None
    links = page_links(request, next_token=token, media_type=GEOJSON)
    return _geojson(
        {
            "type": "FeatureCollection",
            "numberMatched": page.number_matched,
            "numberReturned": len(page.rows),
            "timeStamp": _now(),
            "links": [link.model_dump(exclude_none=True) for link in links],
            "features": [feature(row) for row in page.rows],
        }
    )


@router.get(
    "/incidents/{id}",
    name="get_incident",
    summary="One incident as a GeoJSON Feature",
    description=(
        "A public incident by its UUID. The UUID of any record listed in an event's `sources` "
        "returns that event's feature. Hidden or rejected incidents are a 404."
    ),
    response_model=IncidentFeature,
    response_class=Response,
    responses={
        200: {"model": IncidentFeature, "content": {GEOJSON: {}}},
        **not_found("incident"),
        **DATA_ERRORS,
    },
)
def get_incident(request: Request, id: IncidentIdDep, conn: Conn) -> Response:
    body = feature(repo.get_incident(conn, id=id))
    body["links"] = [
        # the feature's own id, whichever spelling or linked record's id was asked for
        route_link(
            request, "get_incident", "self", GEOJSON, "This incident", id=body["id"]
        ).model_dump(exclude_none=True),
        {
            "href": str(request.url_for("list_incidents")),
            "rel": "collection",
            "type": GEOJSON,
            "title": "All incidents",
        },
    ]
    return _geojson(body)
