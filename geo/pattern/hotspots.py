"""Hot spots: Getis-Ord Gi* on H3 cells with permutation inference and a Benjamini-Hochberg
false-discovery-rate correction (PySAL ``esda``), reproducible by a fixed seed.

Choices (docs/api.md, "Hot spots"):

- Study area: every cell holding an incident at ``resolution`` plus its ring of neighbours (with
  0), so each occupied cell is compared with its whole neighbourhood, empty cells included.
- Weights: binary H3 adjacency (the 6 edge neighbours, 5 at a pentagon) plus the cell itself
  (the "star" of Gi*). H3 cells have near-equal areas and every neighbour shares an edge, so
  adjacency is the natural contiguity here, with no distance band to pick.
- Incidents whose own cell is coarser than ``resolution`` (a place known only roughly) are
  left out and counted: spreading them over many cells would manufacture the very clustering
  the test looks for.
- A hot cell is one with Gi* above its expectation and a pseudo p-value at or below the BH
  cut-off at ``alpha`` over all cells tested. Only cells holding incidents are listed.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from esda import fdr
from esda.getisord import G_Local
from libpysal.weights import W

from geo import h3index
from geo.errors import InvalidInput
from geo.pattern.regions import NO_CORRIDOR, UNKNOWN_REGION, Group

MIN_RES, MAX_RES, DEFAULT_RES = 1, 6, 3  # 6: ~3.7 km edges; finer gives sparse, edge-only maps
PERMUTATIONS = 999
SEED = 14  # fixed: the same data give the same p-values on every call
ALPHA = 0.05
MIN_CELLS = 3  # Gi* compares a cell with the rest: below this there is no "rest"


@dataclass
class HotCell:
    cell: int
    incidents: int
    z: float
    p: float
    regions: list[str]
    corridors: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "h3": h3index.to_hex(self.cell),
            "incidents": self.incidents,
            "z": self.z,
            "p": self.p,
            "regions": self.regions,
            "corridors": self.corridors,
        }


@dataclass
class Hotspots:
    resolution: int
    cells_with_incidents: int = 0
    cells_tested: int = 0
    incidents_tested: int = 0
    coarser_left_out: int = 0
    unlocated_left_out: int = 0
    p_cutoff: float | None = None
    hot: list[HotCell] = field(default_factory=list)
    note: str | None = None

    def regions(self) -> list[str]:
        return sorted({r for c in self.hot for r in c.regions} - {UNKNOWN_REGION})

    def corridors(self) -> list[str]:
        return sorted({k for c in self.hot for k in c.corridors} - {NO_CORRIDOR})

    def to_dict(self) -> dict[str, Any]:
        regions, corridors = self.regions(), self.corridors()
        return {
            "resolution": self.resolution,
            "cells_with_incidents": self.cells_with_incidents,
            "cells_tested": self.cells_tested,
            "incidents_tested": self.incidents_tested,
            "coarser_left_out": self.coarser_left_out,
            "unlocated_left_out": self.unlocated_left_out,
            "p_cutoff": self.p_cutoff,
            "hot_cells": len(self.hot),
            "regions_with_hot_cells": len(regions),
            "regions": regions,
            "corridors_with_hot_cells": len(corridors),
            "corridors": corridors,
            "cells": [c.to_dict() for c in self.hot],
            "note": self.note,
        }


def check_resolution(resolution: int) -> None:
    if not MIN_RES <= resolution <= MAX_RES:
        raise InvalidInput(
            f"res must be an integer from {MIN_RES} to {MAX_RES} for hot spots (H3; 3 has "
            f"~69 km edges, 6 ~3.7 km); got {resolution}",
            parameter="res",
        )


def find_hotspots(groups: Sequence[Group], *, resolution: int) -> Hotspots:
    """Gi* hot spots among the groups' cells at ``resolution`` (their ``cell`` field)."""
    check_resolution(resolution)
    result = Hotspots(resolution=resolution)
    counts: dict[int, int] = {}
    places: dict[int, tuple[set[str], set[str]]] = {}
    for g in groups:
        if g.cell is None:
            if g.coarser:
                result.coarser_left_out += g.incidents
            else:
                result.unlocated_left_out += g.incidents
            continue
        counts[g.cell] = counts.get(g.cell, 0) + g.incidents
        regions, corridors = places.setdefault(g.cell, (set(), set()))
        regions.add(g.region)
        corridors.add(g.corridor)
    result.cells_with_incidents = len(counts)
    result.incidents_tested = sum(counts.values())
    if len(counts) < MIN_CELLS:
        result.note = f"fewer than {MIN_CELLS} cells hold incidents: no test run"
        return result
    study = sorted(set(counts).union(*(h3index.neighbours(c) for c in counts)))
    result.cells_tested = len(study)
    y = np.array([counts.get(c, 0) for c in study], dtype=float)
    z, p = _gi_star(study, y)
    cutoff = _fdr_cutoff(p)
    result.p_cutoff = round(cutoff, 6)
    for i, cell in enumerate(study):
        if z[i] > 0 and p[i] <= cutoff and cell in counts:
            regions, corridors = places[cell]
            result.hot.append(
                HotCell(
                    cell=cell,
                    incidents=counts[cell],
                    z=round(float(z[i]), 3),
                    p=round(float(p[i]), 6),
                    regions=sorted(regions),
                    corridors=sorted(corridors),
                )
            )
    result.hot.sort(key=lambda c: (-c.z, c.cell))
    return result


def _gi_star(study: list[int], y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gi* z-scores and folded permutation pseudo p-values (esda ``G_Local``, star=True)."""
    index = {c: i for i, c in enumerate(study)}
    neighbours: dict[int, list[int]] = {}
    for i, cell in enumerate(study):
        neighbours[i] = [index[n] for n in h3index.neighbours(cell) if n in index]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands (a lone edge cell) are expected and harmless
        w = W(neighbours, silence_warnings=True)
        g = G_Local(
            y,
            w,
            transform="B",
            permutations=PERMUTATIONS,
            star=True,
            keep_simulations=False,
            n_jobs=1,  # deterministic, and the API's workers share the cores
            seed=SEED,
        )
    return np.asarray(g.Zs, dtype=float), np.asarray(g.p_sim, dtype=float)


def _fdr_cutoff(p: np.ndarray) -> float:
    """The Benjamini-Hochberg cut-off at ``ALPHA`` (esda.fdr; alpha/n when nothing passes)."""
    return float(fdr(p, ALPHA))
