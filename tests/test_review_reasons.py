"""Issue 13 item 7b: why a record is flagged, served with it, in words and without coordinates."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from api.models import IncidentFeature
from tests.factories import FUTURE, insert_incident

pytestmark = pytest.mark.anyio

_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


async def _all_features(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await client.get("/incidents", params={"limit": 10_000})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["numberReturned"] == body["numberMatched"]  # one page holds the sample
    return list(body["features"])


async def test_a_flagged_sample_record_shows_its_reason_in_words(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    # a public record, preferred for its event, whose point lies in the wrong country
    row = conn.execute(
        sa.text(
            """
            SELECT i.id, i.country, f -> 'named' AS named
            FROM incidents i, jsonb_array_elements(i.quality_flags) f
            WHERE f ->> 'check' = 'country_mismatch' AND i.country <> 'at_sea'
              AND /*public*/ i.sensitivity = 'public' AND i.review_state = 'flagged'
              AND (i.event_id IS NULL OR i.event_rank = 1)
            ORDER BY i.id LIMIT 1
            """
        )
    ).one()
    names = dict(conn.execute(sa.text("SELECT iso3, name FROM countries")).all())

    response = await client.get(f"/incidents/{row.id}")

    assert response.status_code == 200, response.text
    feature = IncidentFeature.model_validate(response.json())
    assert feature.id == str(row.id)
    reasons = response.json()["properties"]["review_reasons"]
    mismatch = [r for r in reasons if r["check"] == "country_mismatch"]
    assert len(mismatch) == 1
    summary = mismatch[0]["summary"]
    assert summary.startswith("The point is in ") and summary.endswith(".")
    assert names[row.country] in summary
    assert all(names[code] in summary for code in row.named)


async def test_an_unflagged_record_has_no_reasons(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    ident = insert_incident(conn, location_text="Lesvos, Greece")
    response = await client.get(f"/incidents/{ident}")
    assert response.status_code == 200, response.text
    assert response.json()["properties"]["review_reasons"] == []


async def test_a_fixed_swap_is_no_open_reason(client: httpx.AsyncClient, conn: Connection) -> None:
    flags = '[{"check": "swapped_coordinates", "action": "fixed", "from": [1, 2], "to": [2, 1]}]'
    ident = insert_incident(conn)
    conn.execute(
        sa.text("UPDATE incidents SET quality_flags = CAST(:f AS jsonb) WHERE id = :id"),
        {"f": flags, "id": ident},
    )
    response = await client.get("/incidents", params={"datetime": FUTURE})
    [feature] = [f for f in response.json()["features"] if f["id"] == str(ident)]
    assert feature["properties"]["review_reasons"] == []


async def test_no_summary_holds_a_coordinate_of_its_record(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    """Over every public feature of the sample: a number in a summary is never the record's
    served or source coordinates, nor a point a flag suggests; and no summary carries a
    number with more than one decimal (distances are given to 0.1 km)."""
    features = await _all_features(client)
    flagged = [f for f in features if f["properties"]["review_reasons"]]
    assert len(flagged) >= 50
    points: dict[str, set[float]] = {}
    for row in conn.execute(
        sa.text(
            "SELECT id, ST_X(geom) AS x, ST_Y(geom) AS y, quality_flags FROM incidents"
            " WHERE quality_flags <> '[]' AND geom IS NOT NULL"
        )
    ):
        values = {row.x, row.y}
        for flag in row.quality_flags:
            for key in ("to", "from"):
                values.update(flag.get(key) or [])
        points[str(row.id)] = {round(v, d) for v in values for d in range(1, 7)}
    checked = 0
    for feature in flagged:
        for reason in feature["properties"]["review_reasons"]:
            assert set(reason) == {"check", "summary"}
            for number in _NUMBER.findall(reason["summary"]):
                value = float(number)
                assert value not in points[feature["id"]], (feature["id"], reason)
                assert len(number.partition(".")[2]) <= 1, reason
                checked += 1
    assert checked > 0
