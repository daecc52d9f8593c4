"""``country=`` in ISO or Natural Earth codes, and ``/countries`` with totals checked by SQL."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from api.models import CountryList
from tests.expected import public_events

pytestmark = pytest.mark.anyio

YEAR_2014 = "2014-01-01/2014-12-31"


async def _matched(client: httpx.AsyncClient, query: str) -> tuple[int, list[str]]:
    body = (await client.get(f"/incidents?{query}&limit=10000")).json()
    return body["numberMatched"], sorted(f["id"] for f in body["features"])


@pytest.mark.parametrize(("iso", "natural_earth"), [("ESH", "SAH"), ("PSE", "PSX"), ("esh", "SAH")])
async def test_iso_code_finds_what_the_natural_earth_code_finds(
    client: httpx.AsyncClient, iso: str, natural_earth: str
) -> None:
    """Issue #13 (9): country=ESH and country=PSE returned nothing, silently."""
    by_iso = await _matched(client, f"country={iso}")
    by_ne = await _matched(client, f"country={natural_earth}")
    assert by_iso == by_ne
    assert by_iso[0] > 0  # the bundled sample has incidents in both
    ids = by_iso[1]
    features = (await client.get(f"/incidents?country={iso}&limit=10000")).json()["features"]
    assert {f["properties"]["country"] for f in features} == {natural_earth}
    assert len(ids) == by_iso[0]


@pytest.mark.parametrize("code", ["XXX", "ZZZ", "AAA"])
async def test_unknown_country_code_is_a_400_pointing_to_the_list(
    client: httpx.AsyncClient, code: str
) -> None:
    for path in ("/incidents", "/countries"):
        response = await client.get(path, params={"country": code})
        assert response.status_code == 400, path
        problem = response.json()
        assert problem["parameter"] == "country"
        assert "/countries" in problem["detail"] and code in problem["detail"]


def _public_sums(conn: Connection, start: date, end: date) -> dict[str | None, tuple[int, ...]]:
    """(events, dead, missing, dead_and_missing) per country of the events whose interval
    overlaps [start, end], computed here in Python, not by the repository's SQL."""
    sums: dict[str | None, list[int]] = {}
    for r in public_events(conn, "dead, missing, event_date, event_end, country"):
        if r.event_date is None or r.event_end < start or r.event_date > end:
            continue
        row = sums.setdefault(r.country, [0, 0, 0, 0])
        for k, v in enumerate((1, r.dead or 0, r.missing or 0, (r.dead or 0) + (r.missing or 0))):
            row[k] += v
    return {k: tuple(v) for k, v in sums.items()}


@pytest.mark.parametrize("query", ["", f"datetime={YEAR_2014}", "category=disappearance"])
async def test_countries_totals_add_up_to_the_incidents_total(
    client: httpx.AsyncClient, query: str
) -> None:
    """Every public event with a place is in exactly one row (a country or at_sea), and every
    event of the bundled sample has a place, so the rows add up to /incidents' total."""
    body = (await client.get(f"/countries?{query}")).json()
    CountryList.model_validate(body)
    total = (await client.get(f"/incidents?{query}&limit=1")).json()["numberMatched"]
    assert total > 0
    assert sum(c["totals"]["incidents"] for c in body["countries"]) == total


async def test_countries_totals_equal_independent_sums(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    expected = _public_sums(conn, date(2014, 1, 1), date(2014, 12, 31))
    body = (await client.get(f"/countries?datetime={YEAR_2014}")).json()
    got = {
        c["code"]: (
            c["totals"]["incidents"], c["totals"]["dead"], c["totals"]["missing"],
            c["totals"]["dead_and_missing"],
        )
        for c in body["countries"]
        if c["totals"]["incidents"]
    }  # fmt: skip
    assert got == {k: v for k, v in expected.items() if k is not None}


async def test_countries_list_every_code_with_iso_and_un_region(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    body = (await client.get("/countries")).json()
    loaded = conn.execute(sa.text("SELECT count(*) FROM countries")).scalar_one()
    assert body["numberMatched"] == body["numberReturned"] == loaded + 1
    by_code = {c["code"]: c for c in body["countries"]}
    assert body["countries"][-1]["code"] == "at_sea"
    assert by_code["SAH"]["iso_a3"] == "ESH" and by_code["FRA"]["iso_a3"] == "FRA"
    assert by_code["GRC"]["region_un"] == "Europe"
    assert by_code["LBY"]["subregion"] == "Northern Africa"
    assert by_code["at_sea"]["totals"]["incidents"] > 0


async def test_each_country_link_lists_what_its_total_counts(client: httpx.AsyncClient) -> None:
    body = (await client.get(f"/countries?datetime={YEAR_2014}&category=death")).json()
    busiest = sorted(body["countries"], key=lambda c: -c["totals"]["incidents"])[:4]
    for country in busiest:
        (items,) = [link["href"] for link in country["links"] if link["rel"] == "items"]
        page = (await client.get(f"{items}&limit=1")).json()
        assert page["numberMatched"] == country["totals"]["incidents"], country["code"]


async def test_country_filter_keeps_that_country_in_either_code(
    client: httpx.AsyncClient,
) -> None:
    by_iso = (await client.get("/countries?country=PSE")).json()
    by_ne = (await client.get("/countries?country=PSX")).json()
    assert [c["code"] for c in by_iso["countries"]] == ["PSX"]
    assert by_iso["countries"][0]["totals"] == by_ne["countries"][0]["totals"]
    at_sea = (await client.get("/countries?country=at_sea")).json()["countries"]
    assert [c["code"] for c in at_sea] == ["at_sea"]
