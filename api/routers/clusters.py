"""``/clusters`` and ``/corridors/{slug}/clusters``: density clusters of public events."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import WithJsonSchema
from shapely.geometry import mapping

from api.cluster_models import (
    ClusterCollection,
    ClusterFeature,
    ClusterParameters,
    CorridorClusterSummary,
    Tally,
)
from api.deps import Conn, IncidentFilterDep, SlugDep, query_parameters
from api.errors import DATA_ERRORS, not_found
from api.links import GEOJSON, route_link, self_link
from api.routers.corridors import GeoJSONResponse
from geo import clusters as domain

router = APIRouter(tags=["clusters"], dependencies=[Depends(query_parameters)])


def cluster_params(
    eps_km: Annotated[
        str | None,
        WithJsonSchema(
            {
                "type": "number",
                "minimum": domain.EPS_KM[0],
                "maximum": domain.EPS_KM[1],
                "default": domain.EPS_KM[2],
            }
        ),
        Query(
            description=(
                "Neighbourhood radius in kilometres (great-circle): events closer than this "
                "count as neighbours. Events whose location uncertainty is larger than this "
                "are not clustered (counted as `unplaceable`)."
            ),
            examples=[25],
        ),
    ] = None,
    min_incidents: Annotated[
        str | None,
        WithJsonSchema(
            {
                "type": "integer",
                "minimum": domain.MIN_INCIDENTS[0],
                "maximum": domain.MIN_INCIDENTS[1],
                "default": domain.MIN_INCIDENTS[2],
            }
        ),
        Query(
            description=(
                "Events a place needs within `eps_km`, itself included, to be the core of a "
                "cluster."
            ),
            examples=[5],
        ),
    ] = None,
) -> domain.ClusterParams:
    defaults = domain.ClusterParams()
    return domain.ClusterParams(
        eps_km=defaults.eps_km if eps_km is None else domain.parse_eps_km(eps_km),
        min_incidents=(
            defaults.min_incidents
            if min_incidents is None
            else domain.parse_min_incidents(min_incidents)
        ),
    )


ClusterParamsDep = Annotated[domain.ClusterParams, Depends(cluster_params)]

_METHOD = (
    "Clusters are DBSCAN density clusters on great-circle distance: a place is the core of a "
    "cluster when at least `min_incidents` events lie within `eps_km` of it; a cluster is every "
    "event within `eps_km` of its core places. Each event counts once, whatever its dead or "
    "missing (they are summed per cluster, not used to find dense spots). Events without a "
    "point or known less well than `eps_km` are `unplaceable`, events in no cluster `noise`: "
    "per corridor, clustered + noise + unplaceable = total. Outlines are concave hulls, cut "
    "at the antimeridian. Every `/incidents` filter applies. The same data and parameters give "
    "the same clusters, ids and order."
)


def _collection(
    request: Request, found: list[domain.CorridorClusters], params: domain.ClusterParams
) -> ClusterCollection:
    features = [_feature(c) for corridor in found for c in corridor.clusters]
    return ClusterCollection(
        type="FeatureCollection",
        features=features,
        corridors=[_summary(corridor) for corridor in found],
        parameters=ClusterParameters(
            method=domain.METHOD,
            eps_km=params.eps_km,
            min_incidents=params.min_incidents,
            max_uncertainty_km=params.max_uncertainty_m / 1000.0,
        ),
        numberMatched=len(features),
        numberReturned=len(features),
        timeStamp=datetime.now(UTC),
        links=[self_link(request, GEOJSON)],
    )


def _feature(cluster: domain.Cluster) -> ClusterFeature:
    return ClusterFeature.model_validate(
        {
            "type": "Feature",
            "id": cluster.id,
            "geometry": mapping(cluster.hull),
            "properties": {
                "corridor": cluster.corridor,
                "region": cluster.region,
                "rank": cluster.rank,
                "incidents": cluster.tally.incidents,
                "dead": cluster.tally.dead,
                "missing": cluster.tally.missing,
                "first_event_date": cluster.first_event_date,
                "last_event_date": cluster.last_event_date,
                "share": cluster.share,
                "centroid": list(cluster.centroid),
                "places": cluster.places,
            },
        }
    )


def _summary(corridor: domain.CorridorClusters) -> CorridorClusterSummary:
    def tally(t: domain.Tally) -> Tally:
        return Tally(incidents=t.incidents, dead=t.dead, missing=t.missing)

    return CorridorClusterSummary(
        corridor=corridor.corridor,
        region=corridor.region,
        clusters=len(corridor.clusters),
        total=tally(corridor.total),
        clustered=tally(corridor.clustered),
        noise=tally(corridor.noise),
        unplaceable=tally(corridor.unplaceable),
        grid_km=corridor.grid_km,
    )


@router.get(
    "/corridors/{slug}/clusters",
    name="get_corridor_clusters",
    summary="Density clusters of one corridor's incidents (GeoJSON)",
    description=(
        "Where the corridor's incidents concentrate: one Feature per cluster (outline, "
        "centroid, events, dead, missing, first and last date, share of the corridor), most "
        "events first, and in `corridors` the corridor's total split into clustered, noise and "
        "unplaceable. An unknown corridor is a 404; a `corridor` filter other than the path's "
        "is a 400. " + _METHOD
    ),
    response_model=ClusterCollection,
    response_class=GeoJSONResponse,
    responses={**DATA_ERRORS, **not_found("corridor")},
)
def get_corridor_clusters(
    request: Request,
    slug: SlugDep,
    flt: IncidentFilterDep,
    params: ClusterParamsDep,
    conn: Conn,
) -> ClusterCollection:
    found = domain.corridor_clusters(conn, slug=slug, flt=flt, params=params)
    body = _collection(request, [found], params)
    body.links.append(
        route_link(request, "get_corridor", "related", "application/json", "Corridor", slug=slug)
    )
    return body


@router.get(
    "/clusters",
    name="list_clusters",
    summary="Density clusters of every corridor (GeoJSON)",
    description=(
        "The clusters of every corridor in one FeatureCollection, each tagged with its corridor "
        "and the corridor's world region: where people die and disappear, worldwide. "
        "`corridors` has one summary per corridor of the catalogue (by slug), so the totals "
        "can be checked against `/corridors`. Incidents outside every corridor are not "
        "included. " + _METHOD
    ),
    response_model=ClusterCollection,
    response_class=GeoJSONResponse,
    responses=DATA_ERRORS,
)
def list_clusters(
    request: Request, flt: IncidentFilterDep, params: ClusterParamsDep, conn: Conn
) -> ClusterCollection:
    return _collection(request, domain.all_clusters(conn, flt=flt, params=params), params)
