"""``/corridors``: catalogue with totals that equal SQL sums computed here independently."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
import shapely
import shapely.validation
import sqlalchemy as sa
from geojson_pydantic import Feature
from sqlalchemy.engine import Connection

from api.models import CorridorFeature, CorridorList
from tests.factories import insert_corridor, insert_incident

pytestmark = pytest.mark.anyio


def _expected_totals(conn: Connection, slug: str, start: date | None = None) -> dict[str, Any]:
    """Totals straight from the table, written differently from the repository's query.

    An event reported by several records counts once, through its best-ranked public record.
    """
    records = conn.execute(
        sa.text(
            "SELECT i.id, i.event_id, i.event_rank, i.dead, i.missing, i.event_date, c.slug "
            "FROM incidents i LEFT JOIN corridors c ON c.id = i.corridor_id "
            "WHERE i.sensitivity = 'public' AND i.review_state <> 'rejected'"
        )
    ).all()
    primary: dict[Any, Any] = {}
    for r in records:
        key = r.event_id or r.id
        best = primary.get(key)
        if best is None or (r.event_rank or 1) < (best.event_rank or 1):
            primary[key] = r
    rows = [
        r
        for r in primary.values()
        if r.slug == slug
        and (start is None or (r.event_date is not None and r.event_date >= start))
    ]
    dates = [r.event_date for r in rows if r.event_date is not None]
    return {
        "incidents": len(rows),
        "dead": sum(r.dead or 0 for r in rows),
        "missing": sum(r.missing or 0 for r in rows),
        "dead_and_missing": sum((r.dead or 0) + (r.missing or 0) for r in rows),
        "first_event_date": min(dates).isoformat() if dates else None,
        "last_event_date": max(dates).isoformat() if dates else None,
    }


async def test_corridor_totals_equal_independent_sums(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    a = insert_corridor(conn, "zz-test-totals-a")
    insert_corridor(conn, "zz-test-totals-empty", kind="land")
    insert_incident(conn, corridor_id=a, dead=3, missing=None, event_date=date(2091, 2, 1))
    insert_incident(conn, corridor_id=a, dead=None, missing=7, event_date=date(2092, 5, 1))
    insert_incident(conn, corridor_id=a, dead=1, missing=1, event_date=None)
    insert_incident(conn, corridor_id=a, dead=100, sensitivity="confidential")
    insert_incident(conn, corridor_id=a, dead=100, review_state="rejected")

    response = await client.get("/corridors")
    assert response.status_code == 200
    listing = CorridorList.model_validate(response.json())
    assert listing.numberMatched == listing.numberReturned == len(listing.corridors)
    slugs = [c.slug for c in listing.corridors]
    assert slugs == sorted(slugs)
    body = {c["slug"]: c for c in response.json()["corridors"]}
    for slug in slugs:  # every corridor, including those the sample data fills
        assert body[slug]["totals"] == _expected_totals(conn, slug), slug
    assert body["zz-test-totals-a"]["totals"] == {
        "incidents": 3, "dead": 4, "missing": 8, "dead_and_missing": 12,
        "first_event_date": "2091-02-01", "last_event_date": "2092-05-01",
    }  # fmt: skip
    assert body["zz-test-totals-empty"]["totals"]["incidents"] == 0
    assert body["zz-test-totals-empty"]["totals"]["first_event_date"] is None
    assert body["zz-test-totals-a"]["countries"] == ["GRC", "TUR"]


async def test_datetime_restricts_totals(client: httpx.AsyncClient, conn: Connection) -> None:
    a = insert_corridor(conn, "zz-test-window")
    insert_incident(conn, corridor_id=a, dead=3, event_date=date(2091, 2, 1))
    insert_incident(conn, corridor_id=a, dead=5, event_date=date(2092, 5, 1))
    response = await client.get("/corridors", params={"datetime": "2092-01-01/.."})
    body = {c["slug"]: c for c in response.json()["corridors"]}
    assert body["zz-test-window"]["totals"] == _expected_totals(
        conn, "zz-test-window", start=date(2092, 1, 1)
    )
    assert body["zz-test-window"]["totals"]["dead"] == 5


async def test_one_corridor_and_its_feature(client: httpx.AsyncClient, conn: Connection) -> None:
    a = insert_corridor(conn, "zz-test-one")
    insert_incident(conn, corridor_id=a, dead=2)
    response = await client.get("/corridors/zz-test-one")
    assert response.status_code == 200
    corridor = response.json()
    assert corridor["totals"] == _expected_totals(conn, "zz-test-one")
    rels = {link["rel"]: link["href"] for link in corridor["links"]}
    assert rels["self"].endswith("/corridors/zz-test-one")
    items = await client.get(rels["items"])
    assert [f["properties"]["corridor"] for f in items.json()["features"]] == ["zz-test-one"]

    feature = await client.get(rels["alternate"])
    assert feature.status_code == 200
    # served as the link and the OpenAPI document say, like /incidents
    assert feature.headers["content-type"] == "application/geo+json"
    assert corridor["links"][1]["type"] == "application/geo+json"
    parsed = CorridorFeature.model_validate(feature.json())
    Feature.model_validate(feature.json())  # plain GeoJSON too
    assert parsed.id == "zz-test-one"
    assert parsed.geometry is not None and parsed.geometry.type == "MultiPolygon"
    assert feature.json()["bbox"] == [20.0, 30.0, 30.0, 40.0]
    assert parsed.properties is not None and parsed.properties.totals.dead == 2


async def test_unknown_corridor_is_404_problem(client: httpx.AsyncClient) -> None:
    for path in ("/corridors/zz-no-such-corridor", "/corridors/zz-no-such-corridor/feature"):
        response = await client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert "see /corridors" in response.json()["detail"]


async def test_every_served_outline_is_valid_after_rounding_with_rfc7946_rings(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    """Issue #13 (8): 4 of the 19 outlines were invalid once ST_AsGeoJSON rounded them to 6
    decimals, and outer rings ran clockwise. Checked on what a client parses, for every loaded
    corridor."""
    slugs = conn.execute(sa.text("SELECT slug FROM corridors ORDER BY slug")).scalars().all()
    assert len(slugs) == 19
    for slug in slugs:
        response = await client.get(f"/corridors/{slug}/feature")
        assert response.status_code == 200, slug
        outline = shapely.geometry.shape(response.json()["geometry"])
        assert outline.is_valid, (slug, shapely.validation.explain_validity(outline))
        polygons = list(getattr(outline, "geoms", [outline]))
        assert polygons, slug
        for polygon in polygons:
            assert polygon.exterior.is_ccw, slug
            assert all(not hole.is_ccw for hole in polygon.interiors), slug


@pytest.mark.parametrize("match", [None, "within"])
async def test_items_link_keeps_the_period_so_it_lists_what_the_total_counts(
    client: httpx.AsyncClient, match: str | None
) -> None:
    """Issue #13 (8): the link behind a period's total led to the unfiltered list."""
    query = "datetime=2014-01-01/2014-12-31" + (f"&datetime_match={match}" if match else "")
    listed = (await client.get(f"/corridors?{query}")).json()["corridors"]
    with_incidents = [c for c in listed if c["totals"]["incidents"] > 0]
    assert len(with_incidents) >= 3
    for corridor in with_incidents:
        one = (await client.get(f"/corridors/{corridor['slug']}?{query}")).json()
        for body in (corridor, one):
            (items,) = [link["href"] for link in body["links"] if link["rel"] == "items"]
            assert "datetime=2014-01-01" in items.replace("%2F", "/")
            page = (await client.get(f"{items}&limit=1")).json()
            assert page["numberMatched"] == corridor["totals"]["incidents"], corridor["slug"]
