"""Corridor breakdowns and time series, checked against what ``/incidents`` serves.

The reference is the public ``/incidents`` layer for the same filters (every feature, each
event once), regrouped here in Python; synthetic rows (dated 2091, ``zz-test-`` corridors)
pin down the date-precision and multi-cause rules.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Connection

from tests.factories import FUTURE, insert_corridor, insert_incident

pytestmark = pytest.mark.anyio

SLUG = "central-mediterranean"
FIGURES = ("incidents", "dead", "missing", "dead_and_missing")


async def _incidents(client: httpx.AsyncClient, params: dict[str, str]) -> list[dict[str, Any]]:
    response = await client.get("/incidents", params={**params, "limit": "10000"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["numberReturned"] == body["numberMatched"]  # the sample fits one page
    return [f["properties"] for f in body["features"]]


def _add(into: dict[str, int], props: dict[str, Any]) -> None:
    into["incidents"] += 1
    for name in FIGURES[1:]:
        into[name] += props[name] or 0


def _figures(row: dict[str, Any]) -> dict[str, int]:
    return {name: row[name] for name in FIGURES}


def _grouped(features: list[dict[str, Any]], key: Any) -> dict[Any, dict[str, int]]:
    out: dict[Any, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    for props in features:
        for k in key(props):
            _add(out[k], props)
    return dict(out)


def _causes(props: dict[str, Any]) -> set[str]:
    return {c.strip() for c in (props["cause"] or "").split(",") if c.strip()}


@pytest.mark.parametrize("params", [{}, {"datetime": "2016-01-01/2016-12-31"}])
async def test_breakdowns_regroup_the_corridors_incidents(
    client: httpx.AsyncClient, params: dict[str, str]
) -> None:
    response = await client.get("/corridors", params=params)
    assert response.status_code == 200, response.text
    corridors = response.json()["corridors"]
    assert any(c["totals"]["incidents"] for c in corridors)
    for corridor in corridors:
        totals, breakdown = corridor["totals"], corridor["breakdown"]
        features = await _incidents(client, {**params, "corridor": corridor["slug"]})
        assert totals["incidents"] == len(features)
        by_category = _grouped(features, lambda p: [p["category"]])
        assert {r["category"]: _figures(r) for r in breakdown["by_category"]} == by_category
        by_year = _grouped(features, lambda p: [int(p["date"][:4]) if p["date"] else None])
        assert {r["year"]: _figures(r) for r in breakdown["by_year"]} == by_year
        years = [r["year"] for r in breakdown["by_year"]]
        assert years == sorted(years, key=lambda y: (y is None, y or 0))
        for name in FIGURES:
            assert sum(r[name] for r in breakdown["by_year"]) == totals[name]
            assert sum(r[name] for r in breakdown["by_category"]) == totals[name]
        causes = _grouped(features, _causes)
        ranked = sorted(causes.items(), key=lambda kv: (-kv[1]["incidents"],
                        -kv[1]["dead_and_missing"], kv[0]))[:5]  # fmt: skip
        assert [(r["cause"], _figures(r)) for r in breakdown["top_causes"]] == ranked
        for r in breakdown["top_causes"]:
            assert r["share"] == pytest.approx(r["incidents"] / len(features))
        assert breakdown["multi_cause_incidents"] == sum(len(_causes(p)) > 1 for p in features)


@pytest.mark.parametrize(
    "params",
    [{}, {"category": "death"}, {"datetime": "2015-03-10/2016-06-30"}, {"bbox": "10,30,20,40"}],
)
@pytest.mark.parametrize("interval", ["month", "year"])
async def test_timeseries_counts_what_incidents_lists_with_zeros_for_empty_periods(
    client: httpx.AsyncClient, params: dict[str, str], interval: str
) -> None:
    response = await client.get(
        f"/corridors/{SLUG}/timeseries", params={**params, "interval": interval}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    features = await _incidents(client, {**params, "corridor": SLUG})
    assert _figures(body["totals"]) == _grouped(features, lambda p: ["all"])["all"]

    def bucket(p: dict[str, Any]) -> list[str]:
        if p["date"] is None:
            return ["undated"]
        if interval == "year":
            return [p["date"][:4]]
        return ["year-only " + p["date"][:4]] if p["date_precision"] == "year" else [p["date"][:7]]

    expected = _grouped(features, bucket)
    got = {p["period"]: _figures(p) for p in body["periods"] if p["incidents"]}
    got.update({f"year-only {r['year']}": _figures(r) for r in body["year_only"]})
    if body["undated"]["incidents"]:
        got["undated"] = _figures(body["undated"])
    assert got == expected
    # consecutive periods, each from its first to its last day
    starts = [date.fromisoformat(p["start"]) for p in body["periods"]]
    for period, start, following in zip(body["periods"], starts, starts[1:], strict=False):
        assert date.fromordinal(date.fromisoformat(period["end"]).toordinal() + 1) == following
        assert period["period"] == (
            start.isoformat()[:7] if interval == "month" else str(start.year)
        )
    if "datetime" in params:  # the range covers the filter
        first, last = params["datetime"].split("/")
        assert starts[0] <= date.fromisoformat(first)
        assert date.fromisoformat(body["periods"][-1]["end"]) >= date.fromisoformat(last)
        assert body["undated"]["incidents"] == 0
    if interval == "year":
        assert body["year_only"] == []
    items = [link for link in body["links"] if link["rel"] == "items"]
    listed = (await client.get(items[0]["href"])).json()
    assert listed["numberMatched"] == body["totals"]["incidents"]


async def test_month_series_puts_year_only_records_aside_and_fills_gaps_with_zeros(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    cid = insert_corridor(conn, "zz-test-series")
    insert_incident(conn, corridor_id=cid, dead=2, event_date=date(2091, 1, 15))
    insert_incident(conn, corridor_id=cid, missing=5, event_date=date(2091, 4, 1),
                    date_precision="month")  # fmt: skip
    insert_incident(conn, corridor_id=cid, dead=7, event_date=date(2091, 1, 1),
                    date_precision="year", cause="Drowning, Drowning,Hypothermia")  # fmt: skip
    insert_incident(conn, corridor_id=cid, dead=1, event_date=None, cause="Drowning")
    url = "/corridors/zz-test-series/timeseries"
    body = (await client.get(url, params={"interval": "month"})).json()
    assert [p["period"] for p in body["periods"]] == ["2091-01", "2091-02", "2091-03", "2091-04"]
    assert [p["dead_and_missing"] for p in body["periods"]] == [2, 0, 0, 5]
    assert [(r["year"], r["dead"]) for r in body["year_only"]] == [(2091, 7)]
    assert body["undated"]["incidents"] == 1 and body["totals"]["incidents"] == 4
    yearly = (await client.get(url, params={"interval": "year", "datetime": FUTURE})).json()
    assert [(p["period"], p["incidents"], p["dead"]) for p in yearly["periods"]] == [("2091", 3, 9)]
    corridor = (await client.get("/corridors/zz-test-series")).json()["breakdown"]
    causes = {c["cause"]: c["incidents"] for c in corridor["top_causes"]}
    assert causes == {"Drowning": 2, "Hypothermia": 1}  # named twice, counted once
    assert corridor["multi_cause_incidents"] == 1
    assert [(y["year"], y["incidents"]) for y in corridor["by_year"]] == [(2091, 3), (None, 1)]


@pytest.mark.parametrize(
    ("url", "status", "parameter"),
    [
        ("/corridors/no-such-corridor/timeseries", 404, None),
        ("/corridors/no-such-corridor", 404, None),
        (f"/corridors/{SLUG}/timeseries?interval=week", 400, "interval"),
        (f"/corridors/{SLUG}/timeseries?corridor=western-balkans", 400, "corridor"),
        (f"/corridors/{SLUG}/timeseries?datetime=0001-01-01/9999-12-31&interval=month",
         400, "datetime"),
        (f"/corridors/{SLUG}/timeseries?category=drowning", 400, "category"),
    ],
)  # fmt: skip
async def test_timeseries_errors_are_problems_saying_what_to_fix(
    client: httpx.AsyncClient, url: str, status: int, parameter: str | None
) -> None:
    response = await client.get(url)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json().get("parameter") == parameter
