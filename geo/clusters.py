"""Density clusters of each corridor's public events on great-circle distance (docs/api.md).

DBSCAN (``place_labels``): a place is the core of a cluster when at least ``min_incidents`` events
lie within ``eps_km`` of it (great-circle distance), itself included; clusters grow from core
places to every event within ``eps_km`` of one. Every event weighs one (dead and missing
do not weight the density: a single shipwreck with 500 dead is one event, not a dense spot).

Events placed too roughly to say which ``eps_km`` neighbourhood they are in (no point, or a
location uncertainty radius unknown or larger than ``eps_km``) are left out of the clustering
and counted as ``unplaceable``; events in no cluster are ``noise``. For every corridor,
cluster members + noise + unplaceable = the corridor's total of matching events.

The points come from PostGIS through ``where_sql`` (the public-event rule and every ``/incidents``
filter); the clustering, which PostGIS lacks, runs here on those few columns. Events at the same
coordinates are clustered once, with their count as weight: exact, and much cheaper on data
where many events share a town's coordinates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from shapely.geometry import MultiPolygon, Polygon
from sqlalchemy.engine import Connection

from geo import hulls
from geo.db import load_sql
from geo.errors import InvalidInput, NotFound, shown
from geo.repo.filters import parse_bounded_number, parse_int_between
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
    return parse_int_between(text, low, high, parameter="min_incidents", hint=f" ({hint})")


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
    # None: exact places. Else places were snapped to a grid this fine first (too dense to
    # compare every pair within eps_km in bounded memory: see snap_places).
    grid_km: float | None = None

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


@dataclass
class CorridorEvents:
    """One corridor's matching events as columns; NaN stands for a missing value."""

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    uncertainty_m: NDArray[np.float64]
    dead: NDArray[np.int64]
    missing: NDArray[np.int64]
    day: NDArray[np.float64]  # days since 1970-01-01

    @classmethod
    def from_arrays(cls, row: Any) -> CorridorEvents:
        def floats(values: list[Any]) -> NDArray[np.float64]:
            return np.array(values, dtype=np.float64)  # None becomes NaN

        return cls(
            lon=floats(row.lon),
            lat=floats(row.lat),
            uncertainty_m=floats(row.uncertainty_m),
            dead=np.array(row.dead, dtype=np.int64),
            missing=np.array(row.missing, dtype=np.int64),
            day=floats(row.day),
        )


def load_events(conn: Connection, flt: IncidentFilter) -> dict[str, CorridorEvents]:
    """The public events matching ``flt``, by corridor slug (PostGIS does the filtering)."""
    where, values = where_sql(conn, flt)
    query = load_sql("geo", "clusters_points.sql").replace("{filter}", where)
    rows = conn.execute(sa.text(query), values)
    return {row.corridor: CorridorEvents.from_arrays(row) for row in rows}


def _cluster_all(
    conn: Connection, flt: IncidentFilter, params: ClusterParams, regions: dict[str, str]
) -> list[CorridorClusters]:
    events = load_events(conn, flt)
    return [
        cluster_corridor(slug, region, events.get(slug), params)
        for slug, region in sorted(regions.items())
    ]


# Each event's group: 0 unplaceable, 1 noise, 2 + k the k-th DBSCAN cluster.
_UNPLACEABLE, _NOISE, _FIRST = 0, 1, 2
_EPOCH = date(1970, 1, 1)


def cluster_corridor(
    slug: str, region: str, events: CorridorEvents | None, params: ClusterParams
) -> CorridorClusters:
    """Clusters, noise and unplaceable events of one corridor's events (none: an empty one)."""
    result = CorridorClusters(corridor=slug, region=region)
    if events is None:
        return result
    placeable = ~np.isnan(events.lon) & (events.uncertainty_m <= params.max_uncertainty_m)
    group = np.full(len(events.lon), _UNPLACEABLE, dtype=np.int64)
    # Distinct places, sorted by (lon, lat): a complex number sorts by its real part first.
    places, inverse, weight = np.unique(
        events.lon[placeable] + 1j * events.lat[placeable], return_inverse=True, return_counts=True
    )
    place_label, result.grid_km = bounded_place_labels(places.real, places.imag, weight, params)
    group[placeable] = place_label[inverse.reshape(-1)] + _FIRST
    size = int(group.max()) + 1 if group.size else 0
    tallies = [
        Tally(int(n), int(d), int(m))
        for n, d, m in zip(
            np.bincount(group, minlength=max(size, _FIRST)),
            np.bincount(group, weights=events.dead, minlength=max(size, _FIRST)).round(),
            np.bincount(group, weights=events.missing, minlength=max(size, _FIRST)).round(),
            strict=True,
        )
    ]
    result.unplaceable, result.noise = tallies[_UNPLACEABLE], tallies[_NOISE]
    result.total = Tally(len(group), int(events.dead.sum()), int(events.missing.sum()))
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(size + 1))
    found = []
    for label in range(_FIRST, size):
        mine = place_label == label - _FIRST
        unique = np.column_stack([places.real[mine], places.imag[mine]])  # sorted by lon, lat
        members = order[bounds[label] : bounds[label + 1]]
        found.append((tallies[label], unique, weight[mine], events.day[members]))
    # Most events first; ties by the first place in (lon, lat) order: fixed by the data alone.
    found.sort(key=lambda f: (-f[0].incidents, tuple(f[1][0])))
    for rank, (tally, unique, counts, days) in enumerate(found, start=1):
        dated = days[~np.isnan(days)]
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
                first_event_date=_date(dated.min()) if dated.size else None,
                last_event_date=_date(dated.max()) if dated.size else None,
                share=round(tally.incidents / result.total.incidents, 6),
            )
        )
    return result


def _date(days: float) -> date:
    return _EPOCH + timedelta(days=int(days))


def density_labels(coords: NDArray[np.float64], params: ClusterParams) -> NDArray[np.int64]:
    """Cluster labels (-1 noise) of lon/lat rows: ``place_labels`` over their distinct places."""
    places, inverse, weight = np.unique(
        coords[:, 0] + 1j * coords[:, 1], return_inverse=True, return_counts=True
    )
    return place_labels(places.real, places.imag, weight, params)[inverse.reshape(-1)]


# Pairs of places within eps_km that may be compared at once: each pair costs ~60 bytes across
# the index arrays, weights and the graph, so this bounds the work at about 1.2 GB. A synthetic
# million-event corridor had over a billion pairs and was killed for 24 GB.
MAX_PAIRS = 20_000_000


def pair_count(lon: NDArray[np.float64], lat: NDArray[np.float64], eps_km: float) -> int:
    """Pairs of distinct places within ``eps_km``: counted exactly for up to ``_SAMPLE``
    places; beyond, estimated from the neighbours of ``_SAMPLE`` places drawn with a fixed seed
    (the same data always gets the same estimate). Counting a billion pairs exactly took 14 s;
    the estimate takes a fraction of one."""
    count = len(lon)
    if count < 2:
        return 0
    xyz = unit_vectors(lon, lat)
    tree = cKDTree(xyz)
    reach = 2.0 * math.sin(eps_km / EARTH_RADIUS_KM / 2.0)
    if count <= _SAMPLE:
        return int((tree.count_neighbors(tree, reach) - count) // 2)
    sample = np.random.default_rng(0).choice(count, size=_SAMPLE, replace=False)
    neighbours = tree.query_ball_point(xyz[sample], reach, return_length=True).sum() - _SAMPLE
    return int(neighbours * count / _SAMPLE / 2)


_SAMPLE = 2000


def snap_places(
    lon: NDArray[np.float64], lat: NDArray[np.float64], grid_km: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Places merged into cells of about ``grid_km`` (rows of latitude, longitude steps widened
    by 1/cos(latitude)): the cells' weighted positions are their places' mean, and ``cell`` maps
    each place to its cell."""
    step = grid_km / 111.2
    row = np.floor(lat / step)
    width = step / np.maximum(np.cos(np.radians((row + 0.5) * step)), 0.05)
    key = row * 1e7 + np.floor((lon + 180.0) / width)
    _, cell = np.unique(key, return_inverse=True)
    cell = cell.reshape(-1)
    count = np.bincount(cell)
    return np.bincount(cell, weights=lon) / count, np.bincount(cell, weights=lat) / count, cell


def bounded_place_labels(
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    weight: NDArray[np.int64],
    params: ClusterParams,
) -> tuple[NDArray[np.int64], float | None]:
    """``place_labels``, exact when the places within ``eps_km`` of each other number at most
    ``MAX_PAIRS`` pairs; else on places snapped to the finest grid (eps/8, eps/4, eps/2) that
    brings them under it, each place taking its cell's label. Returns the labels and the grid
    used (None: exact), which the API reports."""
    if pair_count(lon, lat, params.eps_km) <= MAX_PAIRS:
        return place_labels(lon, lat, weight, params), None
    for divisor in (8.0, 4.0, 2.0):
        grid_km = params.eps_km / divisor
        cell_lon, cell_lat, cell = snap_places(lon, lat, grid_km)
        if divisor == 2.0 or pair_count(cell_lon, cell_lat, params.eps_km) <= MAX_PAIRS:
            cell_weight = np.bincount(cell, weights=weight).astype(np.int64)
            return place_labels(cell_lon, cell_lat, cell_weight, params)[cell], grid_km
    raise AssertionError("unreachable")  # pragma: no cover


def place_labels(
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    weight: NDArray[np.int64],
    params: ClusterParams,
) -> NDArray[np.int64]:
    """DBSCAN over distinct places, each weighing its number of events: a label per place,
    -1 for noise, clusters numbered by their first place in the given order.

    A place is core when the events within ``eps_km`` (its own included) reach
    ``min_incidents``; core places within ``eps_km`` of each other share a cluster; any other
    place within ``eps_km`` of a core place joins the cluster of the nearest one (ties: the
    first), so the answer does not depend on the order places are visited in, unlike
    scikit-learn's, which gives a border place to whichever cluster reaches it first. Core
    places, clusters and noise are DBSCAN's.

    Distances are chords between unit vectors, compared with the chord of ``eps_km``: they
    order pairs exactly as great-circle distances do, and a k-d tree finds every pair within
    reach at once, without per-place neighbour lists.
    """
    count = len(lon)
    labels = np.full(count, -1, dtype=np.int64)
    if count == 0:
        return labels
    xyz = unit_vectors(lon, lat)
    reach = 2.0 * math.sin(params.eps_km / EARTH_RADIUS_KM / 2.0)
    pairs = cKDTree(xyz).query_pairs(reach, output_type="ndarray")
    i, j = pairs[:, 0], pairs[:, 1]
    w = weight.astype(np.float64)
    mass = w + np.bincount(i, weights=w[j], minlength=count)
    mass += np.bincount(j, weights=w[i], minlength=count)
    core = mass >= params.min_incidents
    linked = core[i] & core[j]
    graph = coo_matrix((np.ones(int(linked.sum())), (i[linked], j[linked])), shape=(count, count))
    _, component = connected_components(graph, directed=False)
    found, first = np.unique(component[core], return_index=True)
    number = np.empty(component.max() + 1, dtype=np.int64)
    number[found[np.argsort(first)]] = np.arange(len(found))  # by first core place
    labels[core] = number[component[core]]
    src, dst = np.concatenate([i, j]), np.concatenate([j, i])
    border = ~core[src] & core[dst]
    src, dst = src[border], dst[border]
    if src.size:
        gap = np.linalg.norm(xyz[src] - xyz[dst], axis=1)
        order = np.lexsort((dst, gap, src))  # per border place: nearest core, then first
        src, dst = src[order], dst[order]
        nearest = np.r_[True, src[1:] != src[:-1]]
        labels[src[nearest]] = labels[dst[nearest]]
    return labels


def unit_vectors(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.float64]:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])
