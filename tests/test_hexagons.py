"""H3 cells as GeoJSON: valid, counter-clockwise, cut at ±180°, and tiling the whole map.

The independent check: adjacent cells share their vertices, so drawn on the plate carrée the
cells of one resolution must cover the 360° x 180° rectangle exactly once. Any cell smeared
across the map, or a polar cell left open, breaks the area sum or the union.
"""

from __future__ import annotations

import math

import h3
import pytest
import shapely
from shapely.geometry import shape

from geo import h3index
from geo.hexagons import cell_geometry, split_ring


def _cells(res: int) -> list[int]:
    return [
        int(c)
        for c in h3.api.basic_int.get_res0_cells()
        for c in h3.api.basic_int.cell_to_children(c, res)
    ]


def _rings(geometry: dict[str, object]) -> list[list[list[float]]]:
    coordinates = geometry["coordinates"]
    assert isinstance(coordinates, list)
    polygons = coordinates if geometry["type"] == "MultiPolygon" else [coordinates]
    return [polygon[0] for polygon in polygons]


@pytest.mark.parametrize("res", [0, 1, 2])
def test_the_cells_of_a_resolution_tile_the_map_exactly_once(res: int) -> None:
    shapes = [shape(cell_geometry(c)) for c in _cells(res)]
    assert all(s.is_valid for s in shapes)
    assert math.isclose(sum(s.area for s in shapes), 360 * 180, rel_tol=1e-9)
    assert math.isclose(shapely.union_all(shapes).area, 360 * 180, rel_tol=1e-9)


@pytest.mark.parametrize("res", [0, 1, 2])
def test_every_ring_is_closed_counter_clockwise_and_within_the_map(res: int) -> None:
    for cell in _cells(res):
        for ring in _rings(cell_geometry(cell)):
            assert ring[0] == ring[-1]
            assert all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in ring)
            twice_area = sum(
                x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False)
            )
            assert twice_area > 0, h3index.to_hex(cell)


def test_a_cell_over_the_antimeridian_has_one_part_each_side() -> None:
    cell = h3index.cell(179.999, -17.0, 4)  # off Fiji
    geometry = cell_geometry(cell)
    assert geometry["type"] == "MultiPolygon"
    spans = sorted((min(x for x, _ in r), max(x for x, _ in r)) for r in _rings(geometry))
    assert spans[0][0] == -180 and spans[0][1] < -179
    assert spans[1][1] == 180 and spans[1][0] > 179


def test_one_cell_closes_over_each_pole_and_spans_every_longitude() -> None:
    """Drawn with straight lon/lat edges (as every web map draws GeoJSON), one res-0 cell
    covers each pole; it must reach latitude ±90 over the full 360°, not leave a hole."""
    for pole in (90.0, -90.0):
        reaching = [s for c in _cells(0) if pole in (s := shape(cell_geometry(c))).bounds]
        assert len(reaching) == 1
        (drawn,) = reaching
        assert drawn.is_valid
        assert (drawn.bounds[0], drawn.bounds[2]) == (-180, 180)
        assert drawn.covers(shapely.Point(0, pole)) and drawn.covers(shapely.Point(179, pole))


def test_a_ring_that_crosses_nothing_is_returned_as_given_but_counter_clockwise() -> None:
    clockwise = [(0.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, 0.0)]
    geometry = split_ring(clockwise)
    assert geometry == {
        "type": "Polygon",
        "coordinates": [[[1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0], [1.0, 0.0]]],
    }
