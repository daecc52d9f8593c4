"""``GET /stats/global-pattern`` on the MMP sample: counts against ``/incidents``, shares,
region assignment against independent SQL, Gi* against its closed form, reproducibility."""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any

import h3
import httpx
import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo import h3index
from geo.pattern import causes
from geo.pattern.concentration import concentration, gini, normalised_entropy
from geo.pattern.hotspots import ALPHA, _fdr_cutoff, _gi_star
from geo.pattern.regions import shares

URL = "/stats/global-pattern"
FILTERS = [
    {},
    {"corridor": "central-mediterranean"},
    {"datetime": "2016-01-01/2016-12-31", "category": "death"},
    {"bbox": "-20,20,45,50"},
    {"country": "at_sea", "datetime": "2015-06-01/..", "datetime_match": "within"},
    {"precision": "exact,site,locality", "max_uncertainty_m": "10000"},
]


async def _features(client: httpx.AsyncClient, params: dict[str, str]) -> list[dict[str, Any]]:
    """Every /incidents feature for the filters (the sample fits one page of 10,000)."""
    body = (await client.get("/incidents", params={**params, "limit": "10000"})).json()
    assert body["numberMatched"] == body["numberReturned"]
    features: list[dict[str, Any]] = body["features"]
    return features


@pytest.mark.anyio
@pytest.mark.parametrize("params", FILTERS)
async def test_counts_equal_incidents_totals_and_shares_add_up_to_one(
    client: httpx.AsyncClient, params: dict[str, str]
) -> None:
    response = await client.get(URL, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    features = await _features(client, params)
    dead = sum(f["properties"]["dead"] or 0 for f in features)
    missing = sum(f["properties"]["missing"] or 0 for f in features)
    assert body["total"] == {"incidents": len(features), "dead": dead, "missing": missing}
    by_corridor = Counter(f["properties"]["corridor"] or "none" for f in features)
    for key in ("regions", "corridors"):
        rows = body[key]
        assert sum(r["incidents"] for r in rows) == len(features), key
        assert sum(r["dead"] for r in rows) == dead and sum(r["missing"] for r in rows) == missing
        assert sum(round(r["share"] * 10_000) for r in rows) == 10_000, key
        assert sum(round(r["share_dead_and_missing"] * 10_000) for r in rows) == 10_000, key
    assert {r["name"]: r["incidents"] for r in body["corridors"] if r["incidents"]} == dict(
        by_corridor
    )
    for region in body["causes"]["by_region"]:
        assert sum(m["incidents"] for m in region["mix"]) == region["incidents"]
        assert sum(round(m["share"] * 10_000) for m in region["mix"]) == 10_000
    years = Counter(int(f["properties"]["date"][:4]) for f in features if f["properties"]["date"])
    assert {y["year"]: y["incidents"] for y in body["concentration"]["by_year"]} == dict(years)


@pytest.mark.anyio
async def test_regions_are_the_country_region_or_the_nearest_country_at_sea(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    """Independent SQL: land incidents by their country's REGION_UN; at sea by the country at
    the smallest ST_Distance (computed over every country, no index order; ties to the first
    code)."""
    features = await _features(client, {})
    ids = [f["id"] for f in features]
    land = conn.execute(
        sa.text(
            "SELECT c.region_un, count(*) FROM incidents i JOIN countries c ON c.iso3 = i.country "
            "WHERE i.id = ANY(CAST(:ids AS uuid[])) GROUP BY 1"
        ),
        {"ids": ids},
    ).all()
    sea_ids = [f["id"] for f in features if f["properties"]["country"] == "at_sea"]
    sea = conn.execute(
        sa.text(
            "SELECT c.region_un, count(*) FROM incidents i CROSS JOIN LATERAL ("
            "  SELECT p.iso3 FROM country_parts p"
            "  WHERE ST_DWithin(p.geom, i.geom, 20)"  # every country within 20 degrees
            "  ORDER BY ST_Distance(p.geom, i.geom), p.iso3 LIMIT 1) n "
            "JOIN countries c ON c.iso3 = n.iso3 "
            "WHERE i.id = ANY(CAST(:ids AS uuid[])) GROUP BY 1"
        ),
        {"ids": sea_ids},
    ).all()
    expected: Counter[str] = Counter()
    for region, n in [*land, *sea]:
        expected[region] += n
    expected["unknown"] += sum(1 for f in features if f["geometry"] is None)
    body = (await client.get(URL)).json()
    got = {r["name"]: r["incidents"] for r in body["regions"] if r["incidents"]}
    assert got == {k: v for k, v in expected.items() if v}
    assert sea_ids, "the sample has incidents at sea"


@pytest.mark.anyio
async def test_the_answer_is_identical_on_two_calls(client: httpx.AsyncClient) -> None:
    params = {"res": "4", "category": "death,disappearance"}
    texts = []
    for _ in range(2):
        body = (await client.get(URL, params=params)).json()
        body.pop("timeStamp")
        texts.append(json.dumps(body, sort_keys=False))
    assert texts[0] == texts[1]
    assert json.loads(texts[0])["hotspots"]["cells_tested"] > 0


@pytest.mark.anyio
async def test_summary_states_the_numbers_of_the_answer(client: httpx.AsyncClient) -> None:
    body = (await client.get(URL, params={"corridor": "us-mexico"})).json()
    summary = body["summary"]
    conc = body["concentration"]["regions"]
    assert f"{body['total']['incidents']:,} incidents" in summary
    assert f"{conc['with_incidents']} of {conc['places']} world regions" in summary
    assert f"the largest, {conc['top']}, holds {round(conc['top_share'] * 100)}%" in summary
    assert f"{body['hotspots']['hot_cells']} statistically significant" in summary


@pytest.mark.anyio
async def test_no_match_gives_zero_totals_and_says_so(client: httpx.AsyncClient) -> None:
    body = (await client.get(URL, params={"datetime": "1900-01-01/1900-12-31"})).json()
    assert body["total"] == {"incidents": 0, "dead": 0, "missing": 0}
    assert body["concentration"]["regions"]["gini"] is None
    assert body["hotspots"]["hot_cells"] == 0
    assert body["summary"].startswith("No public incidents match")


@pytest.mark.anyio
@pytest.mark.parametrize("res", ["0", "7", "three", "2.5"])
async def test_resolution_outside_the_range_is_a_400_naming_res(
    client: httpx.AsyncClient, res: str
) -> None:
    response = await client.get(URL, params={"res": res})
    assert response.status_code == 400
    assert response.json()["parameter"] == "res"
    assert "from 1 to 6" in response.json()["detail"]


@pytest.mark.anyio
async def test_hot_cells_pass_the_benjamini_hochberg_cutoff(client: httpx.AsyncClient) -> None:
    spots = (await client.get(URL, params={"res": "5"})).json()["hotspots"]
    assert spots["hot_cells"] == len(spots["cells"]) > 0
    assert all(c["p"] <= spots["p_cutoff"] and c["z"] > 0 for c in spots["cells"])
    assert spots["regions"] == sorted({r for c in spots["cells"] for r in c["regions"]})
    assert spots["regions_with_hot_cells"] == len(spots["regions"])
    assert "none" not in spots["corridors"]
    assert all(h3.get_resolution(c["h3"]) == 5 for c in spots["cells"])


# --- The statistics against their definitions -----------------------------------------------


def _patch() -> tuple[list[int], np.ndarray]:
    """Two rings of res-5 cells around a centre, with a cluster of counts in the middle."""
    centre = h3index.cell(14.0, 36.0, 5)
    disk = {centre}
    for _ in range(3):
        disk |= {n for c in disk for n in h3index.neighbours(c)}
    cells = sorted(disk)
    rng = np.random.default_rng(3)
    y = rng.poisson(1.0, len(cells)).astype(float)
    for near in [centre, *h3index.neighbours(centre)]:
        y[cells.index(near)] += 9
    return cells, y


def test_gi_star_z_scores_match_the_closed_form() -> None:
    """Getis & Ord (1995) Gi*: (sum_j w_ij x_j - mean * W_i) / (s * sqrt((n S1_i - W_i^2)/(n-1)))
    with binary weights over the cell and its H3 neighbours."""
    cells, y = _patch()
    z, _ = _gi_star(cells, y)
    n, mean, s = len(y), y.mean(), y.std()
    for i, cell in enumerate(cells):
        near = [cells.index(c) for c in [cell, *h3index.neighbours(cell)] if c in cells]
        w = len(near)
        expected = (y[near].sum() - mean * w) / (s * math.sqrt((n * w - w * w) / (n - 1)))
        assert z[i] == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_gi_star_p_values_are_reproducible_and_bh_cutoff_is_independent() -> None:
    cells, y = _patch()
    _, p1 = _gi_star(cells, y)
    _, p2 = _gi_star(cells, y)
    assert np.array_equal(p1, p2)
    ranked = np.sort(p1)
    passing = [p for k, p in enumerate(ranked, start=1) if p <= k * ALPHA / len(ranked)]
    expected = max(passing) if passing else ALPHA / len(ranked)
    cutoff = _fdr_cutoff(p1)
    assert sum(p1 <= cutoff) == sum(p1 <= expected)


def test_concentration_measures_against_their_definitions() -> None:
    assert gini([5, 5, 5, 5]) == 0
    assert gini([0, 0, 0, 8]) == pytest.approx(3 / 4)
    values = [3, 0, 9, 1, 4]
    mean_abs_diff = sum(abs(a - b) for a in values for b in values) / len(values) ** 2
    assert gini(values) == pytest.approx(mean_abs_diff / (2 * np.mean(values)))
    assert normalised_entropy([7, 7, 7]) == pytest.approx(1)
    assert normalised_entropy([0, 7, 0]) == 0
    got = concentration({"a": 3, "c": 1}, ["a", "b", "c"])
    assert (got.top, got.top_share, got.with_incidents, got.total) == ("a", 0.75, 2, 4)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Drowning", "drowning"),
        ("Presumed drowning", "drowning"),
        ("Starvation, Dehydration, Shot", "violence"),
        ("Sickness and lack of access to medicines", "sickness"),
        ("Vehicle accident / death linked to hazardous transport", "hazardous_transport"),
        ("Fall from train", "hazardous_transport"),
        ("Harsh weather/lack of adequate shelter", "harsh_conditions"),
        ("Unknown (found dead next to train tracks)", "mixed_or_unknown"),
        ("Cardiac arrest", "sickness"),
        ("Electrocution", "accident"),
        (None, "mixed_or_unknown"),
    ],
)
def test_cause_texts_map_to_the_documented_classes(text: str | None, expected: str) -> None:
    assert causes.cause_class(text) == expected


def test_shares_add_up_to_exactly_one_after_rounding() -> None:
    for counts in ([1, 1, 1], [2, 3, 5, 7, 11, 13], [1, 0, 0], [9999, 1, 1]):
        got = shares(counts)
        assert sum(round(s * 10_000) for s in got) == 10_000
        for s, c in zip(got, counts, strict=True):
            assert abs(s - c / sum(counts)) < 1e-4 + 1e-12
