"""Uncertainty-aware H3 heatmaps of public events (docs/h3.md).

An incident is stored at the finest H3 resolution its location uncertainty supports, so a
heatmap finer than that cannot pin it to one cell. Two honest answers:

- **coarse** (default): the incident stays in its own, coarser cell, and the row says so
  (``coarser=True``): the map draws a bigger hexagon where the place is only roughly known.
- **spread**: its weight is split evenly over the cell's descendants at the requested
  resolution (6 instead of 7 per level under a pentagon), so the map looks uniform but
  "smears" uncertain incidents; the ``spread`` part of each cell says how much is smeared.

Aggregation runs in PostGIS (``h3_parent``, migration 0015) over the same predicates as every
other public read (``geo.repo.incidents.where_sql``), counting events, not source records.
Spreading runs in Python on the aggregated coarse cells, never per incident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo import h3index
from geo.db import load_sql
from geo.errors import InvalidInput
from geo.repo.incidents import IncidentFilter, where_sql

Weight = Literal["incidents", "dead", "missing", "dead_and_missing"]
WEIGHTS: tuple[str, ...] = get_args(Weight)
MIN_RES, MAX_RES = 0, 9  # 9 is the finest resolution stored (docs/h3.md)
MAX_CELLS = 100_000  # ~5 MB of JSON; a map cannot show more hexagons than that anyway


COUNTS: tuple[str, ...] = WEIGHTS  # what every cell carries besides its weight


@dataclass(slots=True)
class HeatmapCell:
    """One hexagon: its weight, whether (coarse) or how much (spread) it is uncertain, and all
    four counts of its events (a map popup says "12 incidents, 40 dead, 3 missing" whatever
    the weight). Coarse mode: whole numbers. Spread mode: the shares spread down, split the
    same way as the weight, so ``weight`` always equals the count it names."""

    cell: int
    resolution: int
    weight: float
    coarser: bool = False  # coarse mode: the cell is coarser than asked for
    spread: float = 0.0  # spread mode: the part of ``weight`` spread down from coarser cells
    incidents: float = 0.0
    dead: float = 0.0
    missing: float = 0.0
    dead_and_missing: float = 0.0

    def counts(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in COUNTS}

    def to_dict(self) -> dict[str, Any]:
        return {
            "cell": h3index.to_hex(self.cell),
            "resolution": self.resolution,
            "weight": self.weight,
            "coarser": self.coarser,
            "spread": self.spread,
            **self.counts(),
        }


@dataclass
class HeatmapResult:
    """Cells coarsest first (the drawing order), and totals that the cells' weights sum to."""

    resolution: int
    spread: bool
    weight: Weight
    cells: list[HeatmapCell] = field(default_factory=list)
    total: int = 0  # the weight of the matching events that have a cell
    unlocated: int = 0  # the weight of matching events without a location (not on the map)
    incidents: int = 0  # how many matching events have a cell
    unlocated_incidents: int = 0  # how many matching events have no location

    def to_dict(self) -> dict[str, Any]:
        return {
            "resolution": self.resolution,
            "mode": "spread" if self.spread else "coarse",
            "weight": self.weight,
            "total": self.total,
            "unlocated": self.unlocated,
            "incidents": self.incidents,
            "unlocated_incidents": self.unlocated_incidents,
            "cells": [c.to_dict() for c in self.cells],
        }


def heatmap(
    conn: Connection,
    *,
    resolution: int,
    flt: IncidentFilter,
    spread: bool = False,
    weight: Weight = "incidents",
    max_cells: int = MAX_CELLS,
) -> HeatmapResult:
    """The heatmap of the public events matching ``flt`` at H3 ``resolution`` (0-9).

    ``weight`` is what each event adds: 1 (``"incidents"``), its dead, its missing, or its
    dead + missing (a count the source left empty adds 0, as in ``dead_and_missing``). Raises
    ``InvalidInput`` for a resolution outside 0-9, an unknown weight, or a result of more than
    ``max_cells`` cells (asks for a coarser resolution, a smaller area, or coarse mode).
    """
    _check(resolution, weight)
    where, params = where_sql(conn, flt)
    query = load_sql("geo", "heatmap.sql").replace("{filter}", where)
    rows = conn.execute(
        sa.text(query), dict(params, resolution=resolution, limit=max_cells + 2)
    ).all()
    result = HeatmapResult(resolution=resolution, spread=spread, weight=weight)
    located: list[_Located] = []
    index = _INDEX[weight]
    for row in rows:
        counts = tuple(int(getattr(row, name)) for name in COUNTS)
        if row.cell is None:
            result.unlocated = counts[index]
            result.unlocated_incidents = counts[0]
        else:
            located.append((int(row.cell), int(row.res), counts))
            result.incidents += counts[0]
    if len(located) > max_cells:
        raise InvalidInput(
            f"the heatmap at resolution {resolution} has more than {max_cells} cells; "
            "pick a coarser resolution or a smaller bbox",
            parameter="resolution",
        )
    result.total = sum(counts[index] for _, _, counts in located)
    if spread:
        result.cells = _spread(located, resolution, max_cells, index)
    else:
        result.cells = [
            HeatmapCell(cell, res, float(counts[index]), res < resolution, 0.0, *counts)
            for cell, res, counts in located
        ]
    result.cells.sort(key=lambda c: (c.resolution, c.cell))
    return result


# A coarse cell from heatmap.sql: (cell, resolution, its counts in COUNTS order).
_Located = tuple[int, int, tuple[int, ...]]
_INDEX = {name: n for n, name in enumerate(COUNTS)}


def _check(resolution: Any, weight: Any) -> None:
    if (
        not isinstance(resolution, int)
        or isinstance(resolution, bool)
        or not MIN_RES <= resolution <= MAX_RES
    ):
        raise InvalidInput(
            f"resolution must be an integer from {MIN_RES} to {MAX_RES} (H3; 9 has ~200 m "
            f"edges, 4 ~26 km); got {resolution!r}",
            parameter="resolution",
        )
    if weight not in WEIGHTS:
        raise InvalidInput(
            f"weight must be one of {', '.join(WEIGHTS)}; got {weight!r}", parameter="weight"
        )


def _spread(
    located: list[_Located], resolution: int, max_cells: int, index: int
) -> list[HeatmapCell]:
    """Each coarse cell's counts split evenly over its descendants at ``resolution``; the
    weight is the count at ``index``, split the same way.

    The size is checked before any child is built: spreading one res-2 cell to res 9 alone
    makes 7**7 = 823,543 cells.
    """
    sizes = [
        h3index.children_count(cell, resolution) if res < resolution else 1
        for cell, res, _ in located
    ]
    if sum(sizes) > max_cells:
        raise InvalidInput(
            f"spreading to resolution {resolution} would make up to {sum(sizes)} cells "
            f"(limit {max_cells}); pick a coarser resolution, a smaller bbox, or coarse mode",
            parameter="resolution",
        )
    totals: dict[int, list[float]] = {}
    smeared: dict[int, float] = {}
    for (cell, res, counts), size in zip(located, sizes, strict=True):
        if res == resolution:
            _add(totals, cell, counts, 1)
            continue
        for child in h3index.children(cell, resolution):
            _add(totals, child, counts, size)
            smeared[child] = smeared.get(child, 0.0) + counts[index] / size
    return [
        HeatmapCell(cell, resolution, counts[index], False, smeared.get(cell, 0.0), *counts)
        for cell, counts in totals.items()
    ]


def _add(totals: dict[int, list[float]], cell: int, counts: tuple[int, ...], size: int) -> None:
    """Add one coarse cell's share (its counts / ``size``) to ``cell``'s running counts."""
    into = totals.get(cell)
    if into is None:
        totals[cell] = [c / size for c in counts]
    else:
        for n, c in enumerate(counts):
            into[n] += c / size
