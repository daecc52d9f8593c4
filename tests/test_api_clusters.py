"""``/clusters`` and ``/corridors/{slug}/clusters``: the counts add up to the corridor totals of
``/corridors`` and ``/incidents``, clusters agree with an independent DBSCAN, outlines are valid
and drawable across the antimeridian, and the same request gives the same answer."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import httpx
import numpy as np
import pytest
import sqlalchemy as sa
from shapely.geometry import Point, shape
from sklearn.cluster import DBSCAN
from sqlalchemy.engine import Connection

from api.cluster_models import ClusterCollection
from tests.factories import insert_corridor, insert_incident

pytestmark = pytest.mark.anyio

PARTS = ("clustered", "noise", "unplaceable")


def _without_time(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "timeStamp"}


async def test_members_noise_and_unplaceable_add_up_to_each_corridor_total(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/clusters")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    body = ClusterCollection.model_validate(response.json())
    corridors = {c["slug"]: c for c in (await client.get("/corridors")).json()["corridors"]}
    assert [s.corridor for s in body.corridors] == sorted(corridors)
    assert sum(s.clusters for s in body.corridors) == body.numberMatched == len(body.features)
    assert body.numberMatched > 0  # the sample has dense places
    for summary in body.corridors:
        for field in ("incidents", "dead", "missing"):
            parts = sum(getattr(getattr(summary, p), field) for p in PARTS)
            assert parts == getattr(summary.total, field), (summary.corridor, field)
            assert parts == corridors[summary.corridor]["totals"][field], summary.corridor
        assert summary.region == corridors[summary.corridor]["region"]
        mine = [
            f for f in body.features if f.properties and f.properties.corridor == summary.corridor
        ]
        assert len(mine) == summary.clusters
        assert sum(f.properties.incidents for f in mine if f.properties) == (
            summary.clustered.incidents
        )


async def test_filtered_corridor_clusters_add_up_to_the_filtered_incidents(
    client: httpx.AsyncClient,
) -> None:
    filters = {"datetime": "2015-01-01/2016-12-31", "category": "death,disappearance"}
    slug = "central-mediterranean"
    clusters = await client.get(f"/corridors/{slug}/clusters", params=filters)
    assert clusters.status_code == 200
    (summary,) = clusters.json()["corridors"]
    incidents = (
        await client.get("/incidents", params={**filters, "corridor": slug, "limit": 10000})
    ).json()
    features = incidents["features"]
    assert summary["total"]["incidents"] == incidents["numberMatched"] == len(features) > 0
    assert summary["total"]["dead"] == sum(f["properties"]["dead"] or 0 for f in features)
    assert summary["total"]["missing"] == sum(f["properties"]["missing"] or 0 for f in features)
    for field in ("incidents", "dead", "missing"):
        assert sum(summary[p][field] for p in PARTS) == summary["total"][field]
    for feature in clusters.json()["features"]:
        props = feature["properties"]
        assert props["corridor"] == slug
        assert "2015-01-01" <= props["first_event_date"] <= props["last_event_date"]
        assert props["last_event_date"] <= "2016-12-31"
        assert props["share"] == pytest.approx(
            props["incidents"] / summary["total"]["incidents"], abs=1e-6
        )


async def test_the_same_data_and_parameters_give_the_same_clusters(
    client: httpx.AsyncClient,
) -> None:
    params = {"eps_km": "40", "min_incidents": "4"}
    first = (await client.get("/clusters", params=params)).json()
    second = (await client.get("/clusters", params=params)).json()
    assert _without_time(first) == _without_time(second)
    ids = [f["id"] for f in first["features"]]
    assert len(set(ids)) == len(ids)
    for slug in {f["properties"]["corridor"] for f in first["features"]}:
        ranked = [f["properties"] for f in first["features"] if f["properties"]["corridor"] == slug]
        assert [p["rank"] for p in ranked] == list(range(1, len(ranked) + 1))
        assert [p["incidents"] for p in ranked] == sorted(
            (p["incidents"] for p in ranked), reverse=True
        )


def _placeable_points(conn: Connection, slug: str, max_uncertainty_m: float) -> np.ndarray:
    """The corridor's clusterable events, read without the public-event SQL file: each event
    once through its best-ranked public record, with a point known to max_uncertainty_m."""
    rows = conn.execute(
        sa.text(
            "SELECT DISTINCT ON (coalesce(i.event_id, i.id)) ST_X(i.geom), ST_Y(i.geom), "
            "  i.uncertainty_m "
            "FROM incidents i JOIN corridors c ON c.id = i.corridor_id "
            "WHERE c.slug = :slug AND i.sensitivity = 'public' "
            "  AND i.review_state <> 'rejected' "
            "ORDER BY coalesce(i.event_id, i.id), i.event_rank NULLS FIRST"
        ),
        {"slug": slug},
    ).all()
    return np.array(
        [(x, y) for x, y, u in rows if x is not None and u is not None and u <= max_uncertainty_m]
    )


@pytest.mark.parametrize("slug", ["us-mexico", "central-mediterranean", "sahara"])
async def test_clusters_agree_with_a_plain_haversine_dbscan(
    client: httpx.AsyncClient, conn: Connection, slug: str
) -> None:
    """scikit-learn's DBSCAN on every event with the haversine metric: noise and the number of
    clusters do not depend on the order of points, so they must be the same."""
    eps_km, min_incidents = 30.0, 4
    body = (
        await client.get(
            f"/corridors/{slug}/clusters", params={"eps_km": eps_km, "min_incidents": min_incidents}
        )
    ).json()
    (summary,) = body["corridors"]
    points = _placeable_points(conn, slug, eps_km * 1000)
    labels = DBSCAN(
        eps=eps_km / 6371.0088, min_samples=min_incidents, metric="haversine"
    ).fit_predict(np.radians(points[:, ::-1]))
    assert summary["noise"]["incidents"] + summary["clustered"]["incidents"] == len(points)
    assert summary["noise"]["incidents"] == int((labels < 0).sum())
    assert summary["clusters"] == labels.max() + 1 > 0


async def test_outlines_are_valid_counter_clockwise_and_hold_their_events(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    body = (await client.get("/corridors/us-mexico/clusters")).json()
    points = _placeable_points(conn, "us-mexico", 25_000)
    covered = 0
    for feature in body["features"]:
        outline = shape(feature["geometry"])
        assert outline.is_valid and outline.area > 0
        polygons = getattr(outline, "geoms", [outline])
        assert all(p.exterior.is_ccw for p in polygons)
        centroid = Point(feature["properties"]["centroid"])
        assert outline.buffer(0.5).contains(centroid)
        covered += sum(outline.buffer(1e-5).covers(Point(x, y)) for x, y in points)
    clustered = sum(f["properties"]["incidents"] for f in body["features"])
    assert covered >= clustered  # each member inside its own outline (outlines may overlap)


async def test_noise_and_rough_places_are_counted_not_clustered(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    """Six events within a few km form a cluster; two far apart are noise; ten events at one
    spot known only to ±80 km, one without a point and one of unknown radius are unplaceable."""
    cid = insert_corridor(conn, "zz-test-dense")
    for n in range(6):
        insert_incident(
            conn, corridor_id=cid, lon=25.0 + n * 0.01, lat=35.0, dead=n, missing=1,
            uncertainty_m=5000, event_date=date(2091, 1, 1 + n),
        )  # fmt: skip
    for lon in (21.0, 29.0):
        insert_incident(conn, corridor_id=cid, lon=lon, lat=38.0, dead=2, uncertainty_m=5000)
    for _ in range(10):
        insert_incident(conn, corridor_id=cid, lon=27.0, lat=32.0, dead=1, uncertainty_m=80_000)
    insert_incident(conn, corridor_id=cid, lon=None, lat=None, missing=4)
    insert_incident(conn, corridor_id=cid, lon=25.02, lat=35.0)  # radius unknown

    response = await client.get("/corridors/zz-test-dense/clusters")
    assert response.status_code == 200
    body = response.json()
    (summary,) = body["corridors"]
    assert summary["total"] == {"incidents": 20, "dead": 29, "missing": 10}
    assert summary["clustered"] == {"incidents": 6, "dead": 15, "missing": 6}
    assert summary["noise"] == {"incidents": 2, "dead": 4, "missing": 0}
    assert summary["unplaceable"] == {"incidents": 12, "dead": 10, "missing": 4}
    (feature,) = body["features"]
    props = feature["properties"]
    assert feature["id"] == "zz-test-dense-1"
    assert (props["first_event_date"], props["last_event_date"]) == ("2091-01-01", "2091-01-06")
    assert props["share"] == pytest.approx(6 / 20, abs=1e-6)
    assert props["centroid"] == pytest.approx([25.025, 35.0], abs=1e-4)
    assert props["places"] == 6
    assert props["region"] == "Test region"

    # a radius larger than the rough places' uncertainty clusters them too
    wide = (await client.get("/corridors/zz-test-dense/clusters?eps_km=100")).json()
    assert wide["corridors"][0]["unplaceable"]["incidents"] == 2


async def test_a_cluster_across_the_antimeridian_is_cut_not_a_sliver_around_the_world(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    cid = insert_corridor(
        conn, "zz-test-pacific", wkt="MULTIPOLYGON(((170 -25, 180 -25, 180 -10, 170 -10, 170 -25)))"
    )
    for lon, lat in [(179.9, -17.0), (179.95, -17.1), (-179.9, -16.95), (-179.95, -17.05),
                     (179.97, -16.9), (-179.97, -17.15)]:  # fmt: skip
        insert_incident(conn, corridor_id=cid, lon=lon, lat=lat, uncertainty_m=1000)
    body = (await client.get("/corridors/zz-test-pacific/clusters")).json()
    (feature,) = body["features"]
    assert feature["properties"]["incidents"] == 6
    assert abs(feature["properties"]["centroid"][0]) > 179.9
    outline = shape(feature["geometry"])
    assert feature["geometry"]["type"] == "MultiPolygon" and outline.is_valid
    for part in outline.geoms:
        minx, _, maxx, _ = part.bounds
        assert maxx - minx < 1  # each side of 180°, never 359° wide
        assert part.exterior.is_ccw
    assert math.isclose(outline.bounds[0], -180) and math.isclose(outline.bounds[2], 180)


async def test_bad_cluster_requests_are_4xx_that_say_what_to_send(
    client: httpx.AsyncClient,
) -> None:
    cases = [
        ("/corridors/zz-no-such-corridor/clusters", 404, None),
        ("/corridors/sahara/clusters?corridor=us-mexico", 400, "corridor"),
        ("/clusters?eps_km=1000", 400, "eps_km"),
        ("/clusters?min_incidents=1", 400, "min_incidents"),
        ("/clusters?corridor=zz-no-such-corridor", 400, "corridor"),
        ("/clusters?limit=5", 400, "limit"),
    ]
    for path, status, parameter in cases:
        response = await client.get(path)
        assert response.status_code == status, path
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json().get("parameter") == parameter, path


async def test_a_corridor_filter_on_clusters_keeps_that_corridor_only(
    client: httpx.AsyncClient,
) -> None:
    one = (await client.get("/clusters", params={"corridor": "sahara"})).json()
    alone = (await client.get("/corridors/sahara/clusters")).json()
    assert [s["corridor"] for s in one["corridors"]] == ["sahara"]
    assert one["features"] == alone["features"]
    assert one["corridors"] == alone["corridors"]
