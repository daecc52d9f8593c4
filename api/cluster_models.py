"""Response models of the density clusters (``/clusters``, ``/corridors/{slug}/clusters``)."""

from __future__ import annotations

import datetime as dt

from geojson_pydantic import Feature, FeatureCollection, MultiPolygon, Polygon
from pydantic import BaseModel, ConfigDict, Field

from api.models import Link


class Tally(BaseModel):
    incidents: int = Field(description="Events (an event several sources report counts once).")
    dead: int
    missing: int


class ClusterProperties(BaseModel):
    """Examples: the MMP sample (2014-2017) at the default parameters."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "corridor": "central-mediterranean",
                    "region": "Mediterranean",
                    "rank": 1,
                    "incidents": 171,
                    "dead": 1455,
                    "missing": 2364,
                    "first_event_date": "2014-07-06",
                    "last_event_date": "2017-12-23",
                    "share": 0.325095,
                    "centroid": [12.838364, 32.846811],
                    "places": 119,
                }
            ]
        },
    )

    corridor: str = Field(description="Slug of the corridor the cluster lies in.")
    region: str = Field(description="The corridor's world region (catalogue).")
    rank: int = Field(description="1 for the corridor's cluster with the most events.")
    incidents: int
    dead: int
    missing: int
    first_event_date: dt.date | None
    last_event_date: dt.date | None
    share: float = Field(
        description="The cluster's events divided by the corridor's matching events (0-1)."
    )
    centroid: list[float] = Field(
        description="[lon, lat]: the mean position of its events on the globe."
    )
    places: int = Field(description="Distinct coordinates among its events.")


class ClusterFeature(Feature[Polygon | MultiPolygon, ClusterProperties]):
    """A cluster: its outline (a MultiPolygon when it is cut at the antimeridian) and numbers."""

    id: str = Field(description="`<corridor>-<rank>`, stable for the same data and parameters.")


class CorridorClusterSummary(BaseModel):
    """Where a corridor's matching events went: clustered + noise + unplaceable = total."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "corridor": "us-mexico",
                    "region": "Americas",
                    "clusters": 23,
                    "total": {"incidents": 1155, "dead": 1933, "missing": 24},
                    "clustered": {"incidents": 754, "dead": 958, "missing": 15},
                    "noise": {"incidents": 223, "dead": 797, "missing": 9},
                    "unplaceable": {"incidents": 178, "dead": 178, "missing": 0},
                }
            ]
        }
    )

    corridor: str
    region: str
    clusters: int
    total: Tally = Field(description="The corridor's events matching the filters.")
    clustered: Tally = Field(description="Events inside a cluster.")
    noise: Tally = Field(description="Placed well enough, but in no dense spot.")
    unplaceable: Tally = Field(
        description="No point, or a location uncertainty unknown or larger than `eps_km`: not "
        "clustered."
    )
    grid_km: float | None = Field(
        default=None,
        description="Null: clustered on the exact places. A number: the corridor's places were "
        "too dense to compare every pair within `eps_km` in bounded memory (over 20 million "
        "pairs), so they were first merged into cells about this many km wide (eps/8, eps/4 or "
        "eps/2, the finest that fits); each event takes its cell's cluster.",
    )


class ClusterParameters(BaseModel):
    method: str
    eps_km: float
    min_incidents: int
    max_uncertainty_km: float = Field(
        description="Events known less well than this (= eps_km) are unplaceable."
    )


class ClusterCollection(FeatureCollection[ClusterFeature]):
    corridors: list[CorridorClusterSummary] = Field(description="One summary per corridor.")
    parameters: ClusterParameters
    numberMatched: int = Field(description="Clusters.")
    numberReturned: int
    timeStamp: dt.datetime
    links: list[Link]
