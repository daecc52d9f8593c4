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
    model_config = ConfigDict(extra="forbid")

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

    corridor: str
    region: str
    clusters: int
    total: Tally = Field(description="The corridor's events matching the filters.")
    clustered: Tally = Field(description="Events inside a cluster.")
    noise: Tally = Field(description="Placed well enough, but in no dense spot.")
    unplaceable: Tally = Field(
        description="No point, or a location uncertainty larger than `eps_km`: not clustered."
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
