"""Uncertainty-aware H3 heatmaps on PostGIS: SQL h3_parent against h3, coarse and spread modes.

Incidents are synthetic test rows dated 2091 (tests/factories.py), so a date filter isolates
them from the MMP sample; their cells are real H3 cells computed through geo.h3index.
"""

from __future__ import annotations

import math
import random
import uuid
from datetime import date
from typing import Any

import h3
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo import h3index
from geo.errors import InvalidInput
from geo.heatmap import HeatmapResult, Weight, heatmap
from geo.repo.filters import BBox, DateInterval
from geo.repo.incidents import IncidentFilter
from tests.factories import insert_incident

FUTURE = IncidentFilter(interval=DateInterval(date(2091, 1, 1), None))


def _put(conn: Connection, lon: float, lat: float, res: int = 9, **fields: Any) -> int:
    """A test incident stored as the storage rule says: its cell at the resolution its
    uncertainty supports (an uncertainty just below that resolution's edge length)."""
    cell = h3index.cell(lon, lat, res)
    uncertainty = None if res == 9 else 0.9 * h3.average_hexagon_edge_length(res, "m")
    insert_incident(conn, lon=lon, lat=lat, h3_cell=cell, h3_res=res, uncertainty_m=uncertainty,
                    **fields)  # fmt: skip
    return cell


def _weights(result: HeatmapResult) -> dict[int, float]:
    return {c.cell: c.weight for c in result.cells}


# --- SQL functions against the h3 package ------------------------------------------------------


def _sample_cells() -> list[int]:
    """Random cells at every resolution 0-15, the 12 pentagons and their descendants at every
    resolution, and cells on both sides of the antimeridian."""
    rng = random.Random(20261123)
    cells = []
    for _ in range(3000):
        lon, lat = rng.uniform(-180, 180), math.degrees(math.asin(rng.uniform(-1, 1)))
        cells.append(h3index.cell(lon, lat, rng.randint(0, 15)))
    for _ in range(400):  # within 0.1° of 180°
        lon = rng.choice((1, -1)) * rng.uniform(179.9, 180.0)
        cells.append(h3index.cell(lon, rng.uniform(-70, 70), rng.randint(0, 15)))
    for pentagon in h3index.pentagons(0):
        for res in range(16):
            below = h3index.children(pentagon, 1) if res >= 1 else [pentagon]
            for child in below:  # the pentagon's own line and its five hexagon children's
                lon, lat = h3index.center(child)
                cells.append(h3index.cell(lon, lat, max(res, h3index.resolution(child))))
        cells.extend(h3index.pentagons(rng.randint(1, 15)))
    return cells


def test_sql_parent_and_resolution_equal_h3_at_every_resolution(conn: Connection) -> None:
    cells = _sample_cells()
    assert {h3index.resolution(c) for c in cells} == set(range(16))
    assert sum(h3index.is_pentagon(c) for c in cells) >= 12 * 16
    pairs = [(c, r) for c in cells for r in range(h3index.resolution(c) + 1)]
    rows = conn.execute(
        sa.text(
            "SELECT c, r, h3_parent(c, r) AS parent, h3_resolution(c) AS res "
            "FROM unnest(CAST(:cells AS bigint[]), CAST(:ress AS int[])) AS t(c, r)"
        ),
        {"cells": [c for c, _ in pairs], "ress": [r for _, r in pairs]},
    ).all()
    assert len(rows) == len(pairs) > 30_000
    wrong = [(r.c, r.r) for r in rows if r.parent != h3index.parent(r.c, r.r)]
    assert wrong == []
    assert all(r.res == h3index.resolution(r.c) for r in rows)


def test_sql_parent_rejects_a_finer_resolution_and_non_cells(conn: Connection) -> None:
    cell = h3index.cell(12.53, 32.86, 5)
    for res, match in ((6, "own resolution 5"), (-1, "own resolution 5")):
        with pytest.raises(sa.exc.DBAPIError, match=match), conn.begin_nested():
            conn.execute(sa.text("SELECT h3_parent(:c, :r)"), {"c": cell, "r": res})
    with pytest.raises(sa.exc.DBAPIError, match="not an H3 cell"), conn.begin_nested():
        conn.execute(sa.text("SELECT h3_parent(12345, 0)"))
    nulls = conn.execute(
        sa.text("SELECT h3_parent(NULL, 3), h3_parent(:c, NULL), h3_resolution(NULL)"),
        {"c": cell},
    ).one()
    assert tuple(nulls) == (None, None, None)


# --- coarse and spread modes ------------------------------------------------------------------


def _lesbos(conn: Connection) -> tuple[int, int]:
    """Three exact incidents in one res-6 cell and one known only to res 4 around them."""
    fine = [_put(conn, 26.30 + d, 39.20, dead=1) for d in (0.0, 0.002, 0.004)]
    rough = _put(conn, 26.30, 39.20, res=4, dead=7, missing=3)
    fine6 = {h3index.parent(c, 6) for c in fine}
    assert len(fine6) == 1 and h3index.parent(fine6.pop(), 4) == rough
    return h3index.parent(fine[0], 6), rough


def test_coarse_mode_keeps_an_uncertain_incident_in_its_own_bigger_cell(
    conn: Connection,
) -> None:
    fine6, rough = _lesbos(conn)
    result = heatmap(conn, resolution=6, flt=FUTURE)
    assert [(c.cell, c.resolution, c.weight, c.coarser) for c in result.cells] == [
        (rough, 4, 1.0, True),  # coarsest first: the map draws it under the fine cells
        (fine6, 6, 3.0, False),
    ]
    assert result.total == 4 and result.unlocated == 0
    people = heatmap(conn, resolution=6, flt=FUTURE, weight="dead_and_missing")
    assert _weights(people) == {rough: 10.0, fine6: 3.0}
    assert people.total == 13
    assert result.to_dict()["cells"][0]["cell"] == h3index.to_hex(rough)


def test_spread_mode_splits_the_weight_over_the_49_descendants(conn: Connection) -> None:
    fine6, rough = _lesbos(conn)
    result = heatmap(conn, resolution=6, flt=FUTURE, spread=True, weight="dead_and_missing")
    weights = _weights(result)
    assert set(weights) == set(h3index.children(rough, 6)) and len(weights) == 49
    assert all(c.resolution == 6 and not c.coarser for c in result.cells)
    assert weights[fine6] == pytest.approx(3 + 10 / 49)
    others = [c for c in result.cells if c.cell != fine6]
    assert all(c.weight == pytest.approx(10 / 49) == c.spread for c in others)
    assert math.fsum(weights.values()) == pytest.approx(13, rel=1e-12) and result.total == 13


def test_a_pentagon_spreads_over_its_six_children(conn: Connection) -> None:
    pentagon = h3index.pentagons(3)[4]
    lon, lat = h3index.center(pentagon)
    assert _put(conn, lon, lat, res=3, dead=5) == pentagon
    children = h3index.children(pentagon, 4)
    assert len(children) == 6 and sum(map(h3index.is_pentagon, children)) == 1
    spread = heatmap(conn, resolution=4, flt=FUTURE, spread=True, weight="dead_and_missing")
    assert set(_weights(spread)) == set(children)
    assert all(w == pytest.approx(5 / 6) for w in _weights(spread).values())
    assert math.fsum(_weights(spread).values()) == pytest.approx(5, rel=1e-12)
    deeper = heatmap(conn, resolution=6, flt=FUTURE, spread=True)  # 1 + 5 + 5*7 + ... cells
    assert len(deeper.cells) == h3index.children_count(pentagon, 6) < 7**3
    assert math.fsum(_weights(deeper).values()) == pytest.approx(1, rel=1e-12)
    coarse = heatmap(conn, resolution=4, flt=FUTURE)
    assert [(c.cell, c.coarser) for c in coarse.cells] == [(pentagon, True)]


def test_cells_on_both_sides_of_the_antimeridian(conn: Connection) -> None:
    east = _put(conn, 179.95, -16.80, dead=2)  # Fiji, Vanua Levu side
    west = _put(conn, -179.95, -16.80, dead=3)
    rough = _put(conn, 179.999, -16.80, res=2, dead=4)
    assert h3index.parent(east, 5) != h3index.parent(west, 5)
    coarse = heatmap(conn, resolution=5, flt=FUTURE, weight="dead_and_missing")
    assert _weights(coarse) == {
        h3index.parent(east, 5): 2.0, h3index.parent(west, 5): 3.0, rough: 4.0,
    }  # fmt: skip
    across = IncidentFilter(bbox=BBox(179.5, -17.5, -179.5, -16.0), interval=FUTURE.interval)
    both = heatmap(conn, resolution=5, flt=across, weight="dead_and_missing")
    assert both.total == 9
    only_west = IncidentFilter(bbox=BBox(-179.99, -17.5, -179.5, -16.0), interval=FUTURE.interval)
    assert heatmap(conn, resolution=5, flt=only_west).total == 1
    spread = heatmap(conn, resolution=4, flt=FUTURE, spread=True, weight="dead_and_missing")
    longitudes = [h3index.center(c.cell)[0] for c in spread.cells]
    assert min(longitudes) < -179 and max(longitudes) > 179  # children on both sides of 180°
    assert math.fsum(_weights(spread).values()) == pytest.approx(9, rel=1e-12)


# --- input checks -------------------------------------------------------------------------------


@pytest.mark.parametrize("resolution", [-1, 10, 15, True, "5", 4.0])
def test_resolution_outside_0_to_9_is_refused(conn: Connection, resolution: Any) -> None:
    with pytest.raises(InvalidInput, match="resolution must be an integer from 0 to 9") as err:
        heatmap(conn, resolution=resolution, flt=FUTURE)
    assert err.value.parameter == "resolution"


def test_unknown_weight_is_refused(conn: Connection) -> None:
    with pytest.raises(InvalidInput, match="weight must be one of") as err:
        heatmap(conn, resolution=4, flt=FUTURE, weight="people")  # type: ignore[arg-type]
    assert err.value.parameter == "weight"


def test_spreading_a_coarse_cell_too_far_is_refused_before_building_cells(
    conn: Connection,
) -> None:
    rough = _put(conn, 15.0, 37.0, res=2)
    with pytest.raises(InvalidInput, match="823543 cells .* coarser resolution, .* coarse mode"):
        heatmap(conn, resolution=9, flt=FUTURE, spread=True)  # 7**7 descendants
    assert [c.cell for c in heatmap(conn, resolution=9, flt=FUTURE).cells] == [rough]
    assert len(heatmap(conn, resolution=4, flt=FUTURE, spread=True).cells) == 49


def test_too_many_cells_in_coarse_mode_is_refused(conn: Connection) -> None:
    for lon in (10.0, 11.0, 12.0):
        _put(conn, lon, 37.0)
    assert len(heatmap(conn, resolution=9, flt=FUTURE, max_cells=3).cells) == 3
    with pytest.raises(InvalidInput, match="more than 2 cells; pick a coarser resolution"):
        heatmap(conn, resolution=9, flt=FUTURE, max_cells=2)


# --- filters and event counting ------------------------------------------------------------------


def test_filters_pass_through_where_sql(conn: Connection) -> None:
    aegean = _put(conn, 26.3, 39.2, category="death")
    evros = _put(conn, 26.0, 41.5, category="pushback")
    _put(conn, 26.3, 39.2, sensitivity="restricted")
    _put(conn, 26.3, 39.2, review_state="rejected")
    insert_incident(conn, lon=None, lat=None, dead=6)  # no place: counted apart, never drawn

    every = heatmap(conn, resolution=9, flt=FUTURE, weight="dead_and_missing")
    assert set(_weights(every)) == {aegean, evros} and every.unlocated == 6
    box = IncidentFilter(bbox=BBox(25.0, 38.0, 27.0, 40.0), interval=FUTURE.interval)
    assert set(_weights(heatmap(conn, resolution=9, flt=box))) == {aegean}
    kind = IncidentFilter(categories=["pushback"], interval=FUTURE.interval)
    assert set(_weights(heatmap(conn, resolution=9, flt=kind))) == {evros}
    with pytest.raises(InvalidInput, match="unknown corridor"):
        heatmap(conn, resolution=4, flt=IncidentFilter(corridor="zz-test-no-such-corridor"))


def test_two_records_of_one_event_count_once(conn: Connection) -> None:
    event = uuid.uuid4()
    best = _put(conn, 26.30, 39.20, id=event, event_id=event, event_rank=1, dead=4)
    _put(conn, 26.35, 39.25, event_id=event, event_rank=2, dead=5)  # same event, another source
    result = heatmap(conn, resolution=9, flt=FUTURE, weight="dead_and_missing")
    assert _weights(result) == {best: 4.0}
    assert heatmap(conn, resolution=9, flt=FUTURE).total == 1

    conn.execute(sa.text("UPDATE incidents SET sensitivity = 'restricted' WHERE id = :id"),
                 {"id": event})  # fmt: skip
    hidden = heatmap(conn, resolution=9, flt=FUTURE, weight="dead_and_missing")
    assert hidden.total == 5 and best not in _weights(hidden)  # the public record stands in


# --- the invariant, over the sample and test rows ------------------------------------------------


def _expected_total(conn: Connection) -> tuple[int, int, int, int]:
    """(events, dead+missing) with and without a cell, counted here independently of the
    repository's SQL: one row per event, its best-ranked public record."""
    records = conn.execute(
        sa.text(
            "SELECT id, event_id, event_rank, dead_and_missing, h3_cell FROM incidents "
            "WHERE sensitivity = 'public' AND review_state <> 'rejected'"
        )
    ).all()
    primary: dict[Any, Any] = {}
    for r in records:
        key = r.event_id or r.id
        if key not in primary or (r.event_rank or 1) < (primary[key].event_rank or 1):
            primary[key] = r
    mapped = [r for r in primary.values() if r.h3_cell is not None]
    apart = [r for r in primary.values() if r.h3_cell is None]
    return (
        len(mapped), sum(r.dead_and_missing for r in mapped),
        len(apart), sum(r.dead_and_missing for r in apart),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("resolution", "modes"),
    [(0, (False, True)), (4, (False, True)), (6, (False,)), (9, (False,))],
)
def test_totals_equal_the_sum_over_events_in_both_modes(
    conn: Connection, resolution: int, modes: tuple[bool, ...]
) -> None:
    """(Spreading the sample to res 6 or finer is refused: records whose text names a country
    or a sea area sit in res-0 cells (docs/import.md, "Precision from the text"), and one res-0
    cell spreads to 117,649 res-6 cells.)"""
    _lesbos(conn)
    _put(conn, *h3index.center(h3index.pentagons(5)[0]), res=5, dead=2)
    _put(conn, 179.99, -16.8, res=3, missing=9)
    insert_incident(conn, lon=None, lat=None, event_date=None, dead=6)
    events, people, unlocated_events, unlocated_people = _expected_total(conn)
    assert events > 1000 and unlocated_people >= 6, "the sample and the test rows are there"
    everything = IncidentFilter()
    cases: tuple[tuple[Weight, int, int], ...] = (
        ("incidents", events, unlocated_events),
        ("dead_and_missing", people, unlocated_people),
    )
    for weight, expected, apart in cases:
        for spread in modes:
            result = heatmap(
                conn, resolution=resolution, flt=everything, spread=spread, weight=weight
            )
            assert (result.total, result.unlocated) == (expected, apart), (weight, spread)
            assert math.fsum(_weights(result).values()) == pytest.approx(expected, rel=1e-12)
            assert len(_weights(result)) == len(result.cells)  # each cell once
            if spread:
                assert {c.resolution for c in result.cells} == {resolution}


def test_dead_and_missing_weights_add_up_to_dead_and_missing_in_every_cell(
    conn: Connection,
) -> None:
    """``dead`` + ``missing`` per cell is ``dead_and_missing`` (an empty count adds 0), in
    both modes, over the whole sample."""
    everything = IncidentFilter()
    for spread in (False, True):
        dead = _weights(heatmap(conn, resolution=3, flt=everything, spread=spread, weight="dead"))
        missing = _weights(
            heatmap(conn, resolution=3, flt=everything, spread=spread, weight="missing")
        )
        both = heatmap(conn, resolution=3, flt=everything, spread=spread, weight="dead_and_missing")
        assert set(dead) == set(missing) == set(_weights(both))
        for cell, weight in _weights(both).items():
            assert math.isclose(dead[cell] + missing[cell], weight, abs_tol=1e-9)
        expected = conn.execute(
            sa.text(
                "SELECT coalesce(sum(dead), 0), coalesce(sum(missing), 0) FROM incidents i "
                "WHERE i.sensitivity = 'public' AND i.review_state <> 'rejected' "
                "AND i.h3_cell IS NOT NULL AND NOT EXISTS (SELECT 1 FROM incidents b WHERE "
                "b.event_id = i.event_id AND b.event_rank < i.event_rank "
                "AND b.sensitivity = 'public' AND b.review_state <> 'rejected')"
            )
        ).one()
        assert math.isclose(math.fsum(dead.values()), expected[0], abs_tol=1e-9)
        assert math.isclose(math.fsum(missing.values()), expected[1], abs_tol=1e-9)
