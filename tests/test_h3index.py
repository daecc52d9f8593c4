"""H3 cells: our (lon, lat) order in, h3's (lat, lng) order hidden."""

from __future__ import annotations

import h3
import pytest

from geo import h3index


def test_cell_takes_lon_lat_and_matches_h3_at_res_9() -> None:
    lon, lat = -110.366453, 31.650259
    cell = h3index.cell(lon, lat)
    assert h3index.to_hex(cell) == h3.latlng_to_cell(lat, lon, 9)
    assert h3index.resolution(cell) == 9
    c_lon, c_lat = h3index.center(cell)
    assert c_lon == pytest.approx(lon, abs=0.01)
    assert c_lat == pytest.approx(lat, abs=0.01)


def test_cells_fit_a_signed_bigint_and_round_trip_through_hex() -> None:
    points = [(-180.0, -90.0), (179.9, 89.9), (12.53, 32.86), (0.0, 0.0)]
    cells = h3index.cells(points)
    assert cells == [h3index.cell(lon, lat) for lon, lat in points]
    for cell in cells:
        assert 0 < cell < 2**63
        assert h3index.from_hex(h3index.to_hex(cell)) == cell


def test_swapped_order_gives_a_different_cell() -> None:
    assert h3index.cell(12.53, 32.86) != h3index.cell(32.86, 12.53)


def test_from_hex_rejects_invalid_cells() -> None:
    with pytest.raises(ValueError, match="not a valid H3 cell"):
        h3index.from_hex("123")


def test_resolution_for_uncertainty_is_the_finest_cell_at_least_as_wide() -> None:
    edges = [h3.average_hexagon_edge_length(r, "m") for r in range(10)]
    assert h3index.resolution_for_uncertainty(None) == 9
    assert h3index.resolution_for_uncertainty(0) == 9
    assert h3index.resolution_for_uncertainty(edges[9]) == 9  # edge ≥ uncertainty: inclusive
    assert h3index.resolution_for_uncertainty(edges[9] + 0.01) == 8
    assert h3index.resolution_for_uncertainty(5_000) == 5  # 9.85 km edge; res 6 is 3.7 km
    assert h3index.resolution_for_uncertainty(edges[0]) == 0
    assert h3index.resolution_for_uncertainty(edges[0] * 10) == 0  # wider than every cell
    for radius in (1.0, 250.0, 1_000.0, 30_000.0, 200_000.0, 600_000.0):
        res = h3index.resolution_for_uncertainty(radius)
        assert edges[res] >= radius or res == 0
        assert res == 9 or edges[res + 1] < radius  # and no finer resolution qualifies


def test_cell_at_function_takes_lon_lat_and_any_resolution() -> None:
    to_cell = h3index.cell_at_function()
    for res in (0, 5, 9):
        cell = to_cell(-110.366453, 31.650259, res)
        assert cell == h3index.cell(-110.366453, 31.650259, res)
        assert h3index.resolution(cell) == res
