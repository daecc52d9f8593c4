"""Per world region and per corridor: incidents, dead, missing and shares of the world total.

Everything comes from one grouped scan (``geo/sql/global_pattern.sql``); an at-sea incident
counts for the region of the nearest country (see that file). Incidents with no place form the
``unknown`` region, and those outside every corridor the ``none`` corridor, so the entries add up
to the filtered ``/incidents`` total and the shares to 1.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.db import load_sql
from geo.repo.incidents import IncidentFilter, where_sql

UNKNOWN_REGION = "unknown"  # incidents without a location
NO_CORRIDOR = "none"  # incidents outside every corridor
SHARE_UNITS = 10_000  # shares are given to 4 decimals and add up to exactly 1


@dataclass(frozen=True)
class Group:
    """One row of the grouped scan: events alike in every dimension the statistics use."""

    region: str
    subregion: str | None
    corridor: str
    year: int | None
    cause: str | None
    cell: int | None
    coarser: bool
    incidents: int
    dead: int
    missing: int


@dataclass
class Totals:
    incidents: int = 0
    dead: int = 0
    missing: int = 0

    def add(self, g: Group) -> None:
        self.incidents += g.incidents
        self.dead += g.dead
        self.missing += g.missing


@dataclass
class Scan:
    """The grouped rows and the fixed sets of places the measures run over."""

    groups: list[Group]
    regions: list[str]  # UN M49 regions people live in (Natural Earth REGION_UN)
    corridors: dict[str, str] = field(default_factory=dict)  # slug -> name, whole catalogue

    def total(self) -> Totals:
        out = Totals()
        for g in self.groups:
            out.add(g)
        return out


def scan(conn: Connection, *, flt: IncidentFilter, resolution: int) -> Scan:
    """Run the grouped scan under ``flt`` (every ``/incidents`` filter, public events only)."""
    where, params = where_sql(conn, flt)
    query = load_sql("geo", "global_pattern.sql").replace("{filter}", where)
    rows = conn.execute(sa.text(query), dict(params, resolution=resolution)).all()
    groups = [
        Group(
            region=r.region or UNKNOWN_REGION,
            subregion=r.subregion,
            corridor=r.corridor or NO_CORRIDOR,
            year=r.year,
            cause=r.cause,
            cell=None if r.cell is None else int(r.cell),
            coarser=bool(r.coarser),
            incidents=int(r.incidents),
            dead=int(r.dead),
            missing=int(r.missing),
        )
        for r in rows
    ]
    regions: list[str] = []
    corridors: dict[str, str] = {}
    for kind, name, label in conn.execute(sa.text(load_sql("geo", "global_pattern_places.sql"))):
        if kind == "region":
            regions.append(name)
        else:
            corridors[name] = label
    return Scan(groups=groups, regions=regions, corridors=corridors)


def totals(groups: Iterable[Group], key: Callable[[Group], Hashable]) -> dict[Any, Totals]:
    """Totals per ``key(group)``."""
    out: dict[Any, Totals] = {}
    for g in groups:
        out.setdefault(key(g), Totals()).add(g)
    return out


def shares(counts: Sequence[int]) -> list[float]:
    """Each count's part of their sum, to 4 decimals, rounded by largest remainder so that the
    shares add up to exactly 1 (plain rounding can give 0.9999 or 1.0001)."""
    total = sum(counts)
    if total == 0:
        return [0.0 for _ in counts]
    exact = [c * SHARE_UNITS / total for c in counts]
    units = [int(x) for x in exact]
    by_remainder = sorted(range(len(counts)), key=lambda i: (units[i] - exact[i], i))
    for i in by_remainder[: SHARE_UNITS - sum(units)]:
        units[i] += 1
    return [u / SHARE_UNITS for u in units]


def table(
    per: dict[str, Totals], order: Sequence[str], extra: dict[str, dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Rows for ``order`` (then any other key, e.g. ``unknown``), largest first, with shares of
    incidents and of dead and missing."""
    names = list(dict.fromkeys([*order, *sorted(per)]))
    names.sort(key=lambda n: (-per.get(n, Totals()).incidents, n))
    rows = [per.get(n, Totals()) for n in names]
    by_incidents = shares([t.incidents for t in rows])
    by_victims = shares([t.dead + t.missing for t in rows])
    return [
        {
            "name": n,
            **(extra or {}).get(n, {}),
            "incidents": t.incidents,
            "dead": t.dead,
            "missing": t.missing,
            "share": s,
            "share_dead_and_missing": v,
        }
        for n, t, s, v in zip(names, rows, by_incidents, by_victims, strict=True)
    ]
