"""Density clusters of each corridor's public events on great-circle distance (docs/api.md).

DBSCAN (scikit-learn): a place is the core of a cluster when at least ``min_incidents`` events
lie within ``eps_km`` of it (great-circle distance), itself included; clusters grow from core
places to every event within ``eps_km`` of one. Every event weighs one (dead and missing
do not weight the density: a single shipwreck with 500 dead is one event, not a dense spot).

Events placed too roughly to say which ``eps_km`` neighbourhood they are in (no point, or a
location uncertainty radius larger than ``eps_km``) are left out of the clustering and counted
as ``unplaceable``; events in no cluster are ``noise``. For every corridor, cluster members +
noise + unplaceable = the corridor's total of matching events.

The points come from PostGIS through ``where_sql`` (the public-event rule and every ``/incidents``
filter); the clustering, which PostGIS lacks, runs here on those few columns. Events at the same
coordinates are clustered once, with their count as weight: exact, and much cheaper on data
where many events share a town's coordinates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray
from shapely.geometry import MultiPolygon, Polygon
from sklearn.cluster import DBSCAN
from sqlalchemy.engine import Connection

from geo import hulls
from geo.db import load_sql
from geo.errors import InvalidInput, NotFound, shown
from geo.repo.filters import parse_bounded_int, parse_bounded_number
from geo.repo.incidents import IncidentFilter, where_sql

EARTH_RADIUS_KM = 6371.0088
EPS_KM = (1.0, 500.0, 25.0)  # low, high, default
MIN_INCIDENTS = (2, 1000, 5)
METHOD = "DBSCAN on great-circle distance; each event weighs one"


@dataclass(frozen=True)
class ClusterParams:
    """``eps_km``: the neighbourhood radius; ``min_incidents``: events a core place needs in it."""

    eps_km: float = EPS_KM[2]
    min_incidents: int = MIN_INCIDENTS[2]

    @property
    def max_uncertainty_m(self) -> float:
        """Events known less well than the neighbourhood radius are not clustered."""
        return self.eps_km * 1000.0


def parse_eps_km(text: str) -> float:
    low, high, _ = EPS_KM
    hint = "the neighbourhood radius in kilometres, e.g. 25"
    return parse_bounded_number(text, parameter="eps_km", low=low, high=high, hint=hint)


def parse_min_incidents(text: str) -> int:
    low, high, _ = MIN_INCIDENTS
    hint = "events a dense place needs within eps_km, itself included, e.g. 5"
    return parse_bounded_int(text, parameter="min_incidents", low=low, high=high, hint=hint)


@dataclass
class Tally:
    """Events and their dead and missing."""

    incidents: int = 0
    dead: int = 0
    missing: int = 0


@dataclass
class Cluster:
    id: str
    corridor: str
    region: str
    rank: int  # 1 = most events in the corridor
    hull: Polygon | MultiPolygon
    centroid: tuple[float, float]  # lon, lat
    tally: Tally
    places: int  # distinct coordinates
    first_event_date: date | None
    last_event_date: date | None
    share: float  # of the corridor's matching events


@dataclass
class CorridorClusters:
    """One corridor's clusters and the events outside them (the sums hold: see module doc)."""

    corridor: str
    region: str
    total: Tally = field(default_factory=Tally)
    noise: Tally = field(default_factory=Tally)
    unplaceable: Tally = field(default_factory=Tally)
    clusters: list[Cluster] = field(default_factory=list)

    @property
    def clustered(self) -> Tally:
        return Tally(*(sum(getattr(c.tally, f) for c in self.clusters) for f in _FIELDS))


_FIELDS = ("incidents", "dead", "missing")


def corridor_clusters(
    conn: Connection, *, slug: str, flt: IncidentFilter, params: ClusterParams
) -> CorridorClusters:
    """The clusters of one corridor's events matching ``flt`` (404 for an unknown corridor)."""
    if flt.corridor is not None and flt.corridor != slug:
        raise InvalidInput(
            f"the corridor is {shown(slug)} (from the path); a corridor filter of "
            f"{shown(flt.corridor)} contradicts it: drop the corridor parameter",
            parameter="corridor",
        )
    regions = _regions(conn)
    if slug not in regions:
        raise NotFound(f"no corridor with slug {shown(slug)}; see /corridors for the list")
    return _cluster_all(conn, replace(flt, corridor=slug), params, {slug: regions[slug]})[0]


def all_clusters(
    conn: Connection, *, flt: IncidentFilter, params: ClusterParams
) -> list[CorridorClusters]:
    """Every corridor's clusters, by slug (only the filtered corridor with ``flt.corridor``)."""
    regions = _regions(conn)
    if flt.corridor is not None:
        where_sql(conn, flt)  # an unknown slug is a 400 naming the known ones
        regions = {flt.corridor: regions[flt.corridor]}
    return _cluster_all(conn, flt, params, regions)


def _regions(conn: Connection) -> dict[str, str]:
    rows = conn.execute(sa.text(load_sql("geo", "clusters_corridors.sql")))
    return {str(slug): str(region) for slug, region in rows}


def _cluster_all(
    conn: Connection, flt: IncidentFilter, params: ClusterParams, regions: dict[str, str]
) -> list[CorridorClusters]:
    where, values = where_sql(conn, flt)
    query = load_sql("geo", "clusters_points.sql").replace("{filter}", where)
    rows = conn.execute(sa.text(query), values).all()
    by_corridor: dict[str, list[Any]] = {}
    for row in rows:
        by_corridor.setdefault(row[0], []).append(row)
    return [
        _cluster_corridor(slug, region, by_corridor.get(slug, []), params)
        for slug, region in sorted(regions.items())
    ]


def _cluster_corridor(
    slug: str, region: str, rows: list[Any], params: ClusterParams
) -> CorridorClusters:
    result = CorridorClusters(corridor=slug, region=region)
    if not rows:
        return result
    _, lon, lat, uncertainty, dead, missing, days = (list(col) for col in zip(*rows, strict=True))
    dead_a = np.array(dead, dtype=np.int64)
    missing_a = np.array(missing, dtype=np.int64)
    result.total = _tally(np.ones(len(rows), dtype=bool), dead_a, missing_a)
    placeable = np.array(
        [x is not None and u is not None and u <= params.max_uncertainty_m
         for x, u in zip(lon, uncertainty, strict=True)],
        dtype=bool,
    )  # fmt: skip
    result.unplaceable = _tally(~placeable, dead_a, missing_a)
    index = np.flatnonzero(placeable)
    if index.size == 0:
        return result
    coords = np.array([(lon[i], lat[i]) for i in index], dtype=np.float64)
    labels = density_labels(coords, params)
    result.noise = _tally(_mask(len(rows), index[labels < 0]), dead_a, missing_a)
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(labels.max() + 2))
    found = []
    for label in range(labels.max() + 1):
        positions = order[bounds[label] : bounds[label + 1]]  # into coords
        members = index[positions]  # into rows
        member_days = [days[i] for i in members if days[i] is not None]
        first = min(map(tuple, coords[positions].tolist()))
        found.append(
            (positions, _tally(_mask(len(rows), members), dead_a, missing_a), member_days, first)
        )
    # Most events first; ties by the first member in (lon, lat) order: fixed by the data alone.
    found.sort(key=lambda f: (-len(f[0]), f[3]))
    for rank, (positions, tally, member_days, _) in enumerate(found, start=1):
        points = coords[positions]
        unique, counts = np.unique(points, axis=0, return_counts=True)
        result.clusters.append(
            Cluster(
                id=f"{slug}-{rank}",
                corridor=slug,
                region=region,
                rank=rank,
                hull=hulls.hull(unique[:, 0], unique[:, 1]),
                centroid=hulls.spherical_centroid(
                    unique[:, 0], unique[:, 1], counts.astype(np.float64)
                ),
                tally=tally,
                places=len(unique),
                first_event_date=min(member_days, default=None),
                last_event_date=max(member_days, default=None),
                share=round(tally.incidents / result.total.incidents, 6),
            )
        )
    return result


def density_labels(coords: NDArray[np.float64], params: ClusterParams) -> NDArray[np.int64]:
    """DBSCAN labels (-1 noise) for lon/lat rows; deterministic for the same rows.

    Identical coordinates are clustered once, weighted by their count. Points are unit vectors
    and ``eps`` the chord of ``eps_km``: the straight-line distance through the globe orders
    pairs exactly as the great-circle distance does, and a k-d tree answers it faster than
    the haversine formula on a ball tree.
    """
    unique, inverse, counts = np.unique(coords, axis=0, return_inverse=True, return_counts=True)
    model = DBSCAN(
        eps=2.0 * math.sin(params.eps_km / EARTH_RADIUS_KM / 2.0),
        min_samples=params.min_incidents,
        algorithm="kd_tree",
    )
    model.fit(unit_vectors(unique[:, 0], unique[:, 1]), sample_weight=counts)
    return np.asarray(model.labels_, dtype=np.int64)[inverse.reshape(-1)]


def unit_vectors(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.float64]:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])


def _mask(size: int, members: NDArray[np.int64]) -> NDArray[np.bool_]:
    mask = np.zeros(size, dtype=bool)
    mask[members] = True
    return mask


def _tally(mask: NDArray[np.bool_], dead: NDArray[np.int64], missing: NDArray[np.int64]) -> Tally:
    return Tally(int(mask.sum()), int(dead[mask].sum()), int(missing[mask].sum()))
