"""Density clustering and outlines without the database: agreement with scikit-learn's DBSCAN,
independence from the order of the data, border places, and outlines across 180°."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import MultiPoint, Point
from sklearn.cluster import DBSCAN

from geo import clusters, hulls
from geo.clusters import ClusterParams, density_labels, place_labels


def _synthetic(seed: int, rows: int = 3000) -> np.ndarray:
    """SYNTHETIC lon/lat: 30 hotspots around the Aegean plus background, 2 decimals."""
    rng = np.random.default_rng(seed)
    hot = rng.uniform([20, 34], [30, 41], (30, 2))
    near = hot[rng.integers(0, 30, rows - 300)] + rng.normal(0, 0.12, (rows - 300, 2))
    return np.round(np.concatenate([near, rng.uniform([20, 34], [30, 41], (300, 2))]), 2)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clusters_noise_and_sizes_equal_scikit_learn_dbscan_on_haversine(seed: int) -> None:
    points = _synthetic(seed)
    params = ClusterParams(eps_km=20, min_incidents=6)
    ours = density_labels(points, params)
    model = DBSCAN(eps=20 / clusters.EARTH_RADIUS_KM, min_samples=6, metric="haversine")
    theirs = model.fit_predict(np.radians(points[:, ::-1]))
    assert ours.max() == theirs.max() > 3
    assert np.array_equal(ours < 0, theirs < 0)  # the same events are noise
    # the same core events in the same groups: a one-to-one match of cluster labels
    core = model.core_sample_indices_
    matched = set(zip(ours[core].tolist(), theirs[core].tolist(), strict=True))
    assert len(matched) == len({a for a, _ in matched}) == len({b for _, b in matched})
    assert len(matched) == ours.max() + 1
    # border events may join another neighbouring cluster (theirs: the first to reach them;
    # ours: the nearest core place), never more than a few


def test_the_order_of_the_data_does_not_change_any_label() -> None:
    points = _synthetic(7)
    params = ClusterParams()
    shuffle = np.random.default_rng(0).permutation(len(points))
    assert np.array_equal(
        density_labels(points, params)[shuffle], density_labels(points[shuffle], params)
    )


def test_a_border_place_joins_the_cluster_of_its_nearest_core_place() -> None:
    # W' (4 events) and W (1) 10 km apart; E (1) and E' (4) 10 km apart, 30 km east of W;
    # M (1) between, 12 km from W and 18 km from E: with eps 20 km and 5 events, W, W', E, E'
    # are core, M is not (3 events within reach) but lies within reach of both W and E
    km = 1 / hulls.KM_PER_DEGREE
    lon = np.array([-10, 0, 30, 40, 12]) * km
    weight = np.array([4, 1, 1, 4, 1])
    params = ClusterParams(eps_km=20, min_incidents=5)
    labels = place_labels(lon, np.zeros(5), weight, params)
    assert labels[0] == labels[1] != labels[2] == labels[3]
    assert labels[4] == labels[1]  # nearest core place: W
    mirrored = place_labels(-lon, np.zeros(5), weight, params)
    assert mirrored[4] == mirrored[1]


def test_one_spot_with_enough_events_is_a_cluster_and_a_lone_event_is_noise() -> None:
    labels = place_labels(
        np.array([10.0, 50.0]), np.array([35.0, 35.0]), np.array([5, 1]), ClusterParams()
    )
    assert labels.tolist() == [0, -1]


def test_a_hull_holds_its_points_and_is_counter_clockwise() -> None:
    points = _synthetic(4, rows=400)
    outline = hulls.hull(points[:, 0], points[:, 1])
    assert outline.is_valid and outline.geom_type == "Polygon"
    assert outline.exterior.is_ccw
    assert outline.buffer(1e-6).covers(MultiPoint(points))
    assert outline.area < MultiPoint(points).convex_hull.area  # concave where it helps


def test_one_spot_is_drawn_as_a_small_outline_around_it() -> None:
    outline = hulls.hull(np.array([12.6, 12.6]), np.array([35.5, 35.5]), margin_km=1.0)
    assert outline.geom_type == "Polygon" and outline.exterior.is_ccw
    assert outline.contains(Point(12.6, 35.5))
    width_km = (outline.bounds[3] - outline.bounds[1]) * hulls.KM_PER_DEGREE
    assert width_km == pytest.approx(2.0, rel=0.05)


def test_points_on_both_sides_of_180_make_two_parts_that_meet_at_the_antimeridian() -> None:
    lon = np.array([179.6, 179.9, -179.8, -179.5, 179.7])
    lat = np.array([-18.0, -17.5, -17.8, -18.2, -18.4])
    outline = hulls.hull(lon, lat)
    assert outline.geom_type == "MultiPolygon" and outline.is_valid
    east, west = sorted(outline.geoms, key=lambda p: -p.bounds[0])
    assert east.bounds[2] == 180 and west.bounds[0] == -180
    assert east.bounds[0] > 179 and west.bounds[2] < -179
    assert all(p.exterior.is_ccw for p in outline.geoms)
    for x, y in zip(lon, lat, strict=True):
        assert outline.buffer(1e-6).covers(Point(x, y))
    centroid = hulls.spherical_centroid(lon, lat, np.ones(5))
    assert abs(centroid[0]) > 179.5


# --- Dense corridors: bounded memory (SYNTHETIC points) --------------------------------------


def _dense_blob(n: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """SYNTHETIC: ``n`` distinct places within ~30 km of one spot off Libya."""
    rng = np.random.default_rng(seed)
    return 13.0 + rng.normal(0, 0.15, n), 33.5 + rng.normal(0, 0.15, n)


def test_the_pair_estimate_is_close_to_the_exact_count() -> None:
    lon, lat = _dense_blob(6000)
    estimate = clusters.pair_count(lon, lat, 25.0)
    xyz = clusters.unit_vectors(lon, lat)
    reach = 2.0 * np.sin(25.0 / clusters.EARTH_RADIUS_KM / 2.0)
    exact = len(clusters.cKDTree(xyz).query_pairs(reach, output_type="ndarray"))
    assert abs(estimate - exact) / exact < 0.1
    assert clusters.pair_count(lon[:500], lat[:500], 25.0) == len(
        clusters.cKDTree(xyz[:500]).query_pairs(reach, output_type="ndarray")
    )  # few places: counted exactly


def test_snapping_merges_near_places_and_keeps_far_ones_apart() -> None:
    lon = np.array([13.0, 13.001, 13.002, 20.0])
    lat = np.array([33.0, 33.001, 33.0, 35.0])
    cell_lon, cell_lat, cell = clusters.snap_places(lon, lat, 3.0)
    assert len(cell_lon) == 2 and cell[0] == cell[1] == cell[2] != cell[3]
    assert cell_lon[cell[0]] == pytest.approx(13.001) and cell_lat[cell[3]] == 35.0


def test_few_pairs_cluster_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    lon, lat = _dense_blob(300)
    weight = np.ones(300, dtype=np.int64)
    labels, grid = clusters.bounded_place_labels(lon, lat, weight, ClusterParams())
    assert grid is None
    assert (labels == place_labels(lon, lat, weight, ClusterParams())).all()


def test_too_many_pairs_snap_to_a_grid_and_every_place_keeps_a_label(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(clusters, "MAX_PAIRS", 50)
    lon, lat = _dense_blob(3000)
    lon = np.concatenate([lon, [40.0]])  # and one lone place, far away
    lat = np.concatenate([lat, [10.0]])
    weight = np.ones(len(lon), dtype=np.int64)
    labels, grid = clusters.bounded_place_labels(lon, lat, weight, ClusterParams(eps_km=25.0))
    assert grid in (25.0 / 8, 25.0 / 4, 25.0 / 2)
    assert len(labels) == len(lon)
    assert labels[-1] == -1  # the lone place is noise
    assert (labels[:-1] == 0).mean() > 0.95  # the blob is one cluster
