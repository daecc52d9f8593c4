"""Corridor statistics: totals by category, year and cause, and time series (docs/api.md).

Both filter through ``geo.repo.incidents.where_sql``, so they count exactly the events
``/incidents`` lists for the same filters (each event once, public and not rejected).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.db import load_sql
from geo.errors import InvalidInput
from geo.repo.incidents import IncidentFilter, where_sql

TOP_CAUSES = 5
INTERVALS = ("month", "year")
Interval = Literal["month", "year"]
MAX_PERIODS = 1200  # 100 years of months: a longer series asks the client to narrow datetime


@dataclass
class Figures:
    """Incidents (events) and the people they count; a count the source left empty adds 0."""

    incidents: int = 0
    dead: int = 0
    missing: int = 0
    dead_and_missing: int = 0

    def add(self, row: Any) -> None:
        self.incidents += int(row.incidents)
        self.dead += int(row.dead)
        self.missing += int(row.missing)
        self.dead_and_missing += int(row.dead_and_missing)

    def to_dict(self) -> dict[str, int]:
        return {
            "incidents": self.incidents,
            "dead": self.dead,
            "missing": self.missing,
            "dead_and_missing": self.dead_and_missing,
        }


@dataclass
class Breakdown:
    """One corridor's figures by category, by year (``None``: undated) and its top causes."""

    by_category: dict[str, Figures] = field(default_factory=dict)
    by_year: dict[int | None, Figures] = field(default_factory=dict)
    causes: dict[str, Figures] = field(default_factory=dict)
    multi_cause_incidents: int = 0

    def top_causes(self, n: int = TOP_CAUSES) -> list[tuple[str, Figures]]:
        """Most incidents first; ties by dead and missing, then by name (a stable order)."""
        ranked = sorted(
            self.causes.items(), key=lambda kv: (-kv[1].incidents, -kv[1].dead_and_missing, kv[0])
        )
        return ranked[:n]


def breakdowns(conn: Connection, *, flt: IncidentFilter) -> dict[str, Breakdown]:
    """Breakdowns of every corridor with matching events, by slug."""
    where, params = where_sql(conn, flt)
    query = load_sql("geo", "corridor_breakdowns.sql").replace("{filter}", where)
    out: dict[str, Breakdown] = {}
    for row in conn.execute(sa.text(query), params):
        b = out.setdefault(row.slug, Breakdown())
        if row.kind == "multi_cause":
            b.multi_cause_incidents = int(row.incidents)
            continue
        if row.kind == "year":
            b.by_year.setdefault(None if row.key is None else int(row.key), Figures()).add(row)
            continue
        target = b.by_category if row.kind == "category" else b.causes
        target.setdefault(row.key, Figures()).add(row)
    return out


@dataclass
class Period:
    label: str  # "2015" or "2015-03"
    start: date
    end: date
    figures: Figures


@dataclass
class TimeSeries:
    """Periods with zeros where nothing happened; records too vague for the interval aside."""

    interval: Interval
    periods: list[Period]
    year_only: dict[int, Figures]  # interval=month: records known only to their year
    undated: Figures
    total: Figures


def timeseries(
    conn: Connection, *, slug: str, flt: IncidentFilter, interval: Interval
) -> TimeSeries:
    """The corridor's events matching ``flt`` per month or year.

    A day- or month-precise record counts in its month; a year-precise one in its year, and
    with ``interval="month"`` in ``year_only`` (it cannot be placed in a month). The periods
    run from the earlier of the first event and the filter's start to the later of the last
    event and the filter's end, every period present (zeros included).
    """
    if flt.corridor is not None and flt.corridor != slug:
        raise InvalidInput(
            f"the path already names corridor {slug!r}; drop the corridor parameter or send "
            f"corridor={slug}",
            parameter="corridor",
        )
    where, params = where_sql(conn, replace(flt, corridor=slug))
    query = load_sql("geo", "corridor_timeseries.sql").replace("{filter}", where)
    rows = conn.execute(sa.text(query), params).all()
    buckets: dict[tuple[int, int], Figures] = {}
    year_only: dict[int, Figures] = {}
    undated, total = Figures(), Figures()
    for row in rows:
        total.add(row)
        if row.year is None:
            undated.add(row)
        elif interval == "year":
            buckets.setdefault((row.year, 1), Figures()).add(row)
        elif row.month is None:
            year_only.setdefault(row.year, Figures()).add(row)
        else:
            buckets.setdefault((row.year, row.month), Figures()).add(row)
    keys = [*buckets, *((y, 1) for y in year_only)]
    if flt.interval is not None:
        keys += [(d.year, d.month) for d in (flt.interval.start, flt.interval.end) if d]
    periods = _periods(keys, interval, buckets)
    return TimeSeries(interval, periods, dict(sorted(year_only.items())), undated, total)


def _periods(
    keys: list[tuple[int, int]], interval: Interval, buckets: dict[tuple[int, int], Figures]
) -> list[Period]:
    if not keys:
        return []
    months = interval == "month"
    (y0, m0), (y1, m1) = min(keys), max(keys)
    if not months:
        m0 = m1 = 1
    count = (y1 - y0) * 12 + (m1 - m0) + 1 if months else y1 - y0 + 1
    if count > MAX_PERIODS:
        raise InvalidInput(
            f"the series would have {count} {interval}s (limit {MAX_PERIODS}); narrow datetime",
            parameter="datetime",
        )
    out = []
    for n in range(count):
        if months:
            y, m = divmod((y0 * 12 + m0 - 1) + n, 12)
            m += 1
            start, end = date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])
            label = f"{y:04d}-{m:02d}"
        else:
            y, m = y0 + n, 1
            start, end, label = date(y, 1, 1), date(y, 12, 31), f"{y:04d}"
        out.append(Period(label, start, end, buckets.get((y, m), Figures())))
    return out
