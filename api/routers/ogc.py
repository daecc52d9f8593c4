"""``/ogc``: OGC API – Features (Part 1 Core, GeoJSON, OpenAPI; Part 2 with CRS84 only).

What GIS clients read (QGIS, GDAL's OAPIF driver, ArcGIS, OWSLib). The incidents collection
serves exactly the ``/incidents`` features, filters and counts (same repository, same feature
builder); the corridors collection the ``/corridors/{slug}/feature`` shape. Each collection's
items route is declared on its own, so each lists the parameters it really takes and an unknown
one is a 400 (``query_parameters``).
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import WithJsonSchema
from sqlalchemy.engine import Connection

from api.deps import (
    BBoxDep,
    Conn,
    IncidentFilterDep,
    IntervalDep,
    PagingDep,
    SourcesDep,
    get_settings,
    query_parameters,
)
from api.errors import DATA_ERRORS, INTERNAL_ERROR, not_found
from api.links import GEOJSON, JSON, page_links, route_link, self_link
from api.models import Corridor, CorridorFeature, IncidentCollection, IncidentFeature, Link
from api.models_ogc import (
    CRS84,
    Collection,
    Collections,
    Conformance,
    CorridorFeatures,
    Extent,
    LandBorderFeature,
    LandBorderFeatures,
    OgcLanding,
    SeaRouteFeature,
    SeaRouteFeatures,
    SpatialExtent,
    TemporalExtent,
)
from api.routers.corridors import corridor_summaries
from api.routers.incidents import _geojson as geojson_response
from api.routers.incidents import _now as time_stamp
from api.routers.incidents import feature as incident_feature
from api.routers.meta import _openapi_media_type
from api.settings import Settings
from geo.errors import InvalidInput, NotFound, shown
from geo.repo import incidents as incidents_repo
from geo.repo import layers
from geo.repo.filters import BBox, parse_limit, parse_slug, parse_uuid

router = APIRouter(prefix="/ogc", tags=["ogc"], dependencies=[Depends(query_parameters)])

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
# Spellings of CRS84 a client may send in crs / bbox-crs (URI, safe CURIE, CURIE).
_CRS84_NAMES = {CRS84, "[OGC:CRS84]", "OGC:CRS84"}
CONTENT_CRS = {"Content-Crs": f"<{CRS84}>"}

COLLECTIONS: dict[str, tuple[str, str]] = {
    "incidents": (
        "Incidents",
        "Deaths, disappearances, pushbacks, violence and detention of people on the move: one "
        "feature per event, as /incidents serves them (same filters, same counts). Incidents "
        "without coordinates are features with a null geometry.",
    ),
    "corridors": (
        "Corridors",
        "Migration corridors (land and sea routes) as outlines with their incident totals, as "
        "/corridors/{slug}/feature serves them.",
    ),
    "land_borders": (
        "Land borders",
        "The shared boundary of each pair of neighbouring countries (Natural Earth), id the "
        "pair of codes, e.g. GRC-TUR.",
    ),
    "sea_routes": (
        "Sea routes",
        "Sea crossings between departure and arrival ports used to place incidents at sea.",
    ),
}
_COLLECTION_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_PAIR = re.compile(r"^[A-Z0-9]{3}-[A-Z0-9]{3}$")


# --- parameters -------------------------------------------------------------------------------


def format_param(
    f: Annotated[
        str | None,
        Query(
            description=(
                "Response format: `json` (GeoJSON for features; the only format served, also "
                "the default whatever the Accept header says)."
            ),
            examples=["json"],
        ),
    ] = None,
) -> None:
    if f is not None and f.strip().lower() not in ("json", "geojson"):
        raise InvalidInput(
            f"f must be json (this API serves JSON and GeoJSON only; the human-readable "
            f"documentation is /docs); got {shown(f)}",
            parameter="f",
        )


def _crs84(value: str | None, parameter: str) -> None:
    if value is not None and value.strip() not in _CRS84_NAMES:
        raise InvalidInput(
            f"{parameter} must be {CRS84} (longitude, latitude in WGS84), the only CRS served; "
            f"got {shown(value)}",
            parameter=parameter,
        )


def crs_param(
    crs: Annotated[
        str | None,
        Query(
            description="CRS of the response coordinates (OGC API Features Part 2): CRS84 only.",
            examples=[CRS84],
        ),
    ] = None,
    bbox_crs: Annotated[
        str | None,
        Query(
            alias="bbox-crs",
            description="CRS of `bbox` (OGC API Features Part 2): CRS84 only.",
            examples=[CRS84],
        ),
    ] = None,
) -> None:
    _crs84(crs, "crs")
    _crs84(bbox_crs, "bbox-crs")


def layer_paging(
    settings: Annotated[Settings, Depends(get_settings)],
    limit: Annotated[
        str | None,
        WithJsonSchema({"type": "integer", "minimum": 1}),  # bounds filled in by api.app
        Query(description="Page size: 1 to the server's maximum; larger is a 400."),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(description="Opaque position from a previous page's `next` link; do not build it."),
    ] = None,
) -> tuple[int, str | None]:
    size = (
        settings.default_limit if limit is None else parse_limit(limit, maximum=settings.max_limit)
    )
    return size, layers.decode_after(cursor) if cursor is not None else None


Formats = Depends(format_param)
Crs = Depends(crs_param)
LayerPaging = Annotated[tuple[int, str | None], Depends(layer_paging)]
FEATURE_RESPONSES = {**DATA_ERRORS}


def _pair(text: str) -> str:
    value = text.strip().upper()
    if not _PAIR.match(value):
        raise InvalidInput(
            f"featureId must be a pair of country codes like GRC-TUR; got {shown(text)}",
            parameter="featureId",
        )
    return value


def corridor_feature_id(
    featureId: Annotated[
        str, Path(description="Corridor slug.", examples=["central-mediterranean"])
    ],
) -> str:
    return parse_slug(featureId, parameter="featureId")


def border_feature_id(
    featureId: Annotated[
        str, Path(description="Country pair, e.g. `GRC-TUR`.", examples=["GRC-TUR"])
    ],
) -> str:
    return _pair(featureId)


def sea_route_feature_id(
    featureId: Annotated[
        str, Path(description="Sea route slug.", examples=["zuwara-to-lampedusa"])
    ],
) -> str:
    return parse_slug(featureId, parameter="featureId")


def incident_feature_id(
    featureId: Annotated[
        str,
        WithJsonSchema({"type": "string", "format": "uuid"}),
        Path(description="Incident UUID.", examples=["3f2b8a52-1c4e-4d6a-9b1f-0a1b2c3d4e5f"]),
    ],
) -> uuid.UUID:
    return parse_uuid(featureId, parameter="featureId")


IncidentId = Annotated[uuid.UUID, Depends(incident_feature_id)]
CorridorId = Annotated[str, Depends(corridor_feature_id)]
BorderId = Annotated[str, Depends(border_feature_id)]
SeaRouteId = Annotated[str, Depends(sea_route_feature_id)]


def collection_path(
    collectionId: Annotated[
        str, Path(description=f"One of {', '.join(COLLECTIONS)}.", examples=["incidents"])
    ],
) -> str:
    """400 for what cannot be a collection id, 404 (naming the known ones) for an unknown one."""
    if not _COLLECTION_ID.match(collectionId):
        raise InvalidInput(
            f"collectionId must be lowercase letters, digits and _ (one of "
            f"{', '.join(COLLECTIONS)}); got {shown(collectionId)}",
            parameter="collectionId",
        )
    if collectionId not in COLLECTIONS:
        raise NotFound(
            f"no collection {shown(collectionId)}; collections: {', '.join(COLLECTIONS)}"
        )
    return collectionId


CollectionId = Annotated[str, Depends(collection_path)]


# --- landing, conformance, collections --------------------------------------------------------


@router.get(
    "",
    name="ogc_landing",
    summary="OGC API – Features landing page",
    description=(
        "Entry point for GIS clients: in QGIS, *Layer › Add Layer › Add WFS / OGC API – "
        "Features Layer* with this URL; with GDAL, `ogrinfo OAPIF:<this URL>`. Links to the API "
        "definition, the conformance classes and the collections."
    ),
    response_model=OgcLanding,
    response_model_exclude_none=True,
    responses={**INTERNAL_ERROR, 400: DATA_ERRORS[400]},
    dependencies=[Formats],
)
def ogc_landing(request: Request) -> OgcLanding:
    app = request.app
    return OgcLanding(
        title=f"{app.title} – OGC API Features",
        description=(
            "Incidents, corridors, land borders and sea routes as OGC API – Features "
            "collections (GeoJSON, CRS84)."
        ),
        links=[
            self_link(request, JSON, "This document"),
            Link(href=str(request.url_for("openapi")), rel="service-desc",
                 type=_openapi_media_type(app.openapi_version), title="API definition"),
            Link(href=str(request.url_for("swagger_ui_html")), rel="service-doc",
                 type="text/html", title="API documentation"),
            route_link(request, "ogc_conformance", "conformance", JSON, "Conformance classes"),
            route_link(request, "ogc_collections", "data", JSON, "Collections"),
        ],
    )  # fmt: skip


@router.get(
    "/conformance",
    name="ogc_conformance",
    summary="Conformance classes implemented",
    description=(
        "OGC API – Features Part 1 Core, GeoJSON and OpenAPI (the definition at /openapi.json), "
        "and Part 2 (CRS by reference) with CRS84 as the only CRS."
    ),
    response_model=Conformance,
    responses={**INTERNAL_ERROR, 400: DATA_ERRORS[400]},
    dependencies=[Formats],
)
def ogc_conformance() -> Conformance:
    return Conformance(conformsTo=CONFORMANCE)


def _items_name(collection_id: str) -> str:
    return f"ogc_{collection_id}_items"


def _temporal(first: date | None, last: date | None) -> TemporalExtent | None:
    if first is None:
        return None
    return TemporalExtent(
        interval=[
            [f"{first.isoformat()}T00:00:00Z", f"{last.isoformat()}T23:59:59Z" if last else None]
        ]
    )


def _collection(request: Request, conn: Connection, collection_id: str) -> Collection:
    title, description = COLLECTIONS[collection_id]
    if collection_id == "incidents":
        extent = layers.incident_extent(conn)
        bbox, temporal = extent.bbox, _temporal(extent.first_day, extent.last_day)
    else:
        bbox, temporal = layers.layer_bbox(conn, layer=layers.LAYERS[collection_id]), None
    return Collection(
        id=collection_id,
        title=title,
        description=description,
        links=[
            route_link(request, "ogc_collection", "self", JSON, title, collectionId=collection_id),
            route_link(
                request, _items_name(collection_id), "items", GEOJSON, f"{title} (features)"
            ),
        ],
        extent=Extent(
            spatial=SpatialExtent(bbox=[bbox]) if bbox is not None else None, temporal=temporal
        ),
        crs=[CRS84],
        storageCrs=CRS84,
    )


@router.get(
    "/collections",
    name="ogc_collections",
    summary="The feature collections",
    description=(
        "Incidents, corridors, land borders and sea routes, each with its spatial extent (and "
        "for incidents the first and last event date), CRS and a link to its features."
    ),
    response_model=Collections,
    response_model_exclude_none=True,
    responses=DATA_ERRORS,
    dependencies=[Formats],
)
def ogc_collections(request: Request, conn: Conn) -> Collections:
    return Collections(
        links=[self_link(request, JSON, "Collections")],
        collections=[_collection(request, conn, cid) for cid in COLLECTIONS],
    )


@router.get(
    "/collections/{collectionId}",
    name="ogc_collection",
    summary="One feature collection",
    description="A collection's description, extent, CRS and link to its features.",
    response_model=Collection,
    response_model_exclude_none=True,
    responses={**DATA_ERRORS, **not_found("collection")},
    dependencies=[Formats],
)
def ogc_collection(request: Request, collection_id: CollectionId, conn: Conn) -> Collection:
    return _collection(request, conn, collection_id)


# --- features ---------------------------------------------------------------------------------


def _features(body: dict[str, Any]) -> Response:
    response = geojson_response(body)
    response.headers.update(CONTENT_CRS)
    return response


def _collection_link(request: Request, collection_id: str) -> dict[str, Any]:
    title = COLLECTIONS[collection_id][0]
    link = route_link(
        request, "ogc_collection", "collection", JSON, title, collectionId=collection_id
    )
    return link.model_dump(exclude_none=True)


def _page(
    request: Request,
    collection_id: str,
    features: list[dict[str, Any]],
    number_matched: int,
    next_token: str | None,
) -> Response:
    links = page_links(request, next_token=next_token, media_type=GEOJSON)
    return _features(
        {
            "type": "FeatureCollection",
            "numberMatched": number_matched,
            "numberReturned": len(features),
            "timeStamp": time_stamp(),
            "links": [
                *(link.model_dump(exclude_none=True) for link in links),
                _collection_link(request, collection_id),
            ],
            "features": features,
        }
    )


def _single(request: Request, collection_id: str, body: dict[str, Any]) -> Response:
    """One feature with its links; ``self`` names the feature's own id, whichever spelling (or,
    for an incident, whichever linked record's id) was asked for."""
    name = f"ogc_{collection_id}_item"
    this = route_link(request, name, "self", GEOJSON, "This feature", featureId=body["id"])
    body["links"] = [
        this.model_dump(exclude_none=True),
        _collection_link(request, collection_id),
    ]
    return _features(body)


def _items_route(collection_id: str, model: Any, extra: str) -> dict[str, Any]:
    title = COLLECTIONS[collection_id][0]
    return {
        "path": f"/collections/{collection_id}/items",
        "name": _items_name(collection_id),
        "summary": f"{title}: features (GeoJSON)",
        "description": (
            f"{COLLECTIONS[collection_id][1]} {extra} Ordered by a stable key and paged with the "
            "`next` link (a keyset cursor that keeps every filter); `numberMatched` is exact "
            "(a count over all pages)."
        ),
        "response_model": model,
        "response_class": Response,
        "responses": {200: {"model": model, "content": {GEOJSON: {}}}, **FEATURE_RESPONSES},
        "dependencies": [Formats, Crs],
    }


def _item_route(collection_id: str, model: Any) -> dict[str, Any]:
    title = COLLECTIONS[collection_id][0]
    return {
        "path": f"/collections/{collection_id}/items/{{featureId}}",
        "name": f"ogc_{collection_id}_item",
        "summary": f"{title}: one feature (GeoJSON)",
        "description": f"One feature of {collection_id} by its id; an unknown id is a 404.",
        "response_model": model,
        "response_class": Response,
        "responses": {
            200: {"model": model, "content": {GEOJSON: {}}},
            **not_found("feature"),
            **FEATURE_RESPONSES,
        },
        "dependencies": [Formats, Crs],
    }


@router.get(
    **_items_route(
        "incidents",
        IncidentCollection,
        "Takes every filter of /incidents (category, corridor, country, precision, "
        "max_uncertainty_m, datetime_match, source) besides bbox and datetime, with the same "
        "meaning.",
    )
)
def ogc_incidents_items(
    request: Request, flt: IncidentFilterDep, paging: PagingDep, conn: Conn
) -> Response:
    page = incidents_repo.list_incidents(conn, flt=flt, limit=paging.limit, cursor=paging.cursor)
    token = page.next_cursor.encode() if page.next_cursor else None
    features = [incident_feature(row) for row in page.rows]
    return _page(request, "incidents", features, page.number_matched, token)


@router.get(**_item_route("incidents", IncidentFeature))
def ogc_incidents_item(request: Request, feature_id: IncidentId, conn: Conn) -> Response:
    row = incidents_repo.get_incident(conn, id=feature_id)
    return _single(request, "incidents", incident_feature(row))


def _layer_features(
    conn: Connection, layer: layers.Layer, bbox: BBox | None, paging: tuple[int, str | None]
) -> tuple[layers.FeaturePage, str | None]:
    """A page of a reference layer and the cursor of its ``next`` link."""
    limit, after = paging
    page = layers.list_features(conn, layer=layer, bbox=bbox, limit=limit, after=after)
    token = layers.encode_after(page.next_key) if page.next_key is not None else None
    return page, token


def _layer_feature(row: dict[str, Any]) -> dict[str, Any]:
    properties = {k: v for k, v in row.items() if k not in ("key", "geometry")}
    return {
        "type": "Feature",
        "id": row["key"],
        "geometry": row["geometry"],
        "properties": properties,
    }


def _corridor_feature(props: Corridor, outline: dict[str, Any]) -> dict[str, Any]:
    """The ``/corridors/{slug}/feature`` shape (outline, attributes and totals)."""
    body = CorridorFeature.model_validate(
        {"type": "Feature", "id": outline["key"], "geometry": outline["geometry"],
         "properties": props.model_dump()}
    )  # fmt: skip
    dumped = body.model_dump(mode="json")
    dumped.pop("bbox", None)  # no box here: GeoJSON has no null bbox
    return dumped


@router.get(
    **_items_route(
        "corridors",
        CorridorFeatures,
        "`datetime` (and `datetime_match`) restrict the totals to incidents of those dates, and "
        "`source` to the events those datasets report, as on /corridors; the outlines "
        "themselves have no date.",
    )
)
def ogc_corridors_items(
    request: Request,
    bbox: BBoxDep,
    interval: IntervalDep,
    source: SourcesDep,
    paging: LayerPaging,
    conn: Conn,
) -> Response:
    page, token = _layer_features(conn, layers.CORRIDORS, bbox, paging)
    props = corridor_summaries(request, conn, interval=interval, sources=source)
    features = [_corridor_feature(props[r["key"]], r) for r in page.rows]
    return _page(request, "corridors", features, page.number_matched, token)


@router.get(**_item_route("corridors", CorridorFeature))
def ogc_corridors_item(
    request: Request, feature_id: CorridorId, interval: IntervalDep, source: SourcesDep, conn: Conn
) -> Response:
    outline = layers.get_feature(conn, layer=layers.CORRIDORS, key=feature_id)
    summaries = corridor_summaries(
        request, conn, interval=interval, slug=feature_id, sources=source
    )
    props = summaries[feature_id]
    return _single(request, "corridors", _corridor_feature(props, outline))


_TIMELESS = (
    "These features have no date: `datetime` is accepted (and checked) as OGC API Features "
    "asks, and every feature matches it."
)


@router.get(**_items_route("land_borders", LandBorderFeatures, _TIMELESS))
def ogc_land_borders_items(
    request: Request,
    bbox: BBoxDep,
    checked_datetime: IntervalDep,  # parsed (400 if bad); no date to match: all match
    paging: LayerPaging,
    conn: Conn,
) -> Response:
    page, token = _layer_features(conn, layers.LAND_BORDERS, bbox, paging)
    features = [_layer_feature(r) for r in page.rows]
    return _page(request, "land_borders", features, page.number_matched, token)


@router.get(**_item_route("land_borders", LandBorderFeature))
def ogc_land_borders_item(request: Request, feature_id: BorderId, conn: Conn) -> Response:
    row = layers.get_feature(conn, layer=layers.LAND_BORDERS, key=feature_id)
    return _single(request, "land_borders", _layer_feature(row))


@router.get(**_items_route("sea_routes", SeaRouteFeatures, _TIMELESS))
def ogc_sea_routes_items(
    request: Request,
    bbox: BBoxDep,
    checked_datetime: IntervalDep,  # parsed (400 if bad); no date to match: all match
    paging: LayerPaging,
    conn: Conn,
) -> Response:
    page, token = _layer_features(conn, layers.SEA_ROUTES, bbox, paging)
    features = [_layer_feature(r) for r in page.rows]
    return _page(request, "sea_routes", features, page.number_matched, token)


@router.get(**_item_route("sea_routes", SeaRouteFeature))
def ogc_sea_routes_item(request: Request, feature_id: SeaRouteId, conn: Conn) -> Response:
    row = layers.get_feature(conn, layer=layers.SEA_ROUTES, key=feature_id)
    return _single(request, "sea_routes", _layer_feature(row))


@router.get("/collections/{collectionId}/items", include_in_schema=False)
def ogc_unknown_items(collection_id: CollectionId) -> None:
    """Reached only for a collection without its own items route: a 404 naming the known."""
    raise NotFound(f"no collection {shown(collection_id)}; collections: {', '.join(COLLECTIONS)}")


@router.get("/collections/{collectionId}/items/{featureId}", include_in_schema=False)
def ogc_unknown_item(collection_id: CollectionId, featureId: str) -> None:
    raise NotFound(f"no collection {shown(collection_id)}; collections: {', '.join(COLLECTIONS)}")
