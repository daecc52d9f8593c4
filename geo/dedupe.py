"""Cross-source deduplication: one event, several source records.

The same death or shipwreck is often reported by several sources (or by two exports of one
source in different layouts). ``dedupe_events`` finds such records and links them:

1. **Candidates** (PostGIS, ``geo/sql/dedupe_pairs.sql``): pairs of located, dated records
   from *different origins* (source + import file) within ``radius_km``, whose date intervals
   (widened by ``date_precision``: a month-precision record covers its whole month) are at
   most ``window_days`` apart, with compatible categories and totals. Each pair is probed
   from its smaller origin, so a dense file never pays for its own neighbours, and only the
   records of some pair are read into Python.
2. **Score** (here): a weighted mean of distance, date, count and text agreement in [0, 1].
3. **Groups**: pairs at or above ``threshold``, best first, merge their groups unless that
   would put two records of one origin in one event (an export lists distinct events) or some
   cross pair of the merged group scores below ``threshold - LINK_SLACK`` (complete linkage:
   no chains of A≈B≈C where A and C do not match).
4. **Write**: each multi-record group gets ``event_id`` (its oldest record's id), ``event_rank``
   (1 = preferred record) and ``event_score`` (match score against the rank-1 record).

Re-running gives the same groups (the input order is fixed, ties broken by id). Records without
coordinates or date are never matched: they stay their own events. See docs/dedupe.md.
"""

from __future__ import annotations

import json
import math
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from rapidfuzz import fuzz
from sqlalchemy.engine import Connection

from geo.db import load_sql, sql

THRESHOLD = 0.75
LINK_SLACK = 0.10
AMBIGUITY_MARGIN = 0.03
RADIUS_KM = 100.0
WINDOW_DAYS = 7
# Distance at which the distance score falls to 1/e: on land sources agree to a few km; at sea
# positions are estimates (a drift, a rescue position, "off the coast of") and differ more.
SCALE_LAND_KM = 10.0
SCALE_SEA_KM = 30.0
WEIGHTS = {"distance": 0.30, "date": 0.20, "counts": 0.25, "text": 0.25}
# A date interval wider than a day says less: the same month is weaker evidence than a day.
PRECISION_FACTOR = {"day": 1.0, "month": 0.6, "year": 0.2}
COUNT_SHARE = 0.3  # totals may differ by this share of the larger one (at least 1, from 3)
TEXT_FLOOR = 0.4
SAME_OUTLET = 0.7  # source-name similarity from which two records cite the same outlet
TEXT_NEUTRAL = 0.5  # a side without location or cause text neither helps nor hurts
QUALITY_RANK = {"verified": 0, "unreviewed": 1, "flagged": 2, "rejected": 3}
DATE_RANK = {"day": 0, "month": 1, "year": 2}


@dataclass(frozen=True)
class Record:
    """What the matcher knows about one incident record."""

    id: uuid.UUID
    source: str
    source_id: str
    origin: str
    category: str
    event_date: date
    date_precision: str | None
    dead: int | None
    missing: int | None
    total: int
    cause: str | None
    location_text: str | None
    source_name: str | None
    source_quality: str | None
    location_precision: str | None
    review_state: str
    country: str | None
    created_at: datetime
    lon: float
    lat: float
    uncertainty_m: float | None

    def uncertainty_km(self) -> float:
        """How far off the point may be: the stored uncertainty, or what the coordinates'
        own decimals allow (``27.0`` is a whole degree: ±0.5°, up to ~55 km)."""
        km_per_degree = 111.32
        lat_km = 0.5 * 10.0 ** -_decimals(self.lat) * km_per_degree
        lon_km = (
            0.5 * 10.0 ** -_decimals(self.lon) * km_per_degree * math.cos(math.radians(self.lat))
        )
        stored = (self.uncertainty_m or 0.0) / 1000.0
        return max(stored, lat_km, lon_km)

    def preference(self) -> tuple[Any, ...]:
        """Sort key: the first record of an event is the one to show (reviewed, most precise
        date, best source quality, most precise place, then oldest)."""
        text = self.source_quality or ""
        quality = int(text) if text.isdigit() else 0
        return (
            QUALITY_RANK.get(self.review_state, 1),
            DATE_RANK.get(self.date_precision or "year", 2),
            -quality,
            self.location_precision is None,
            self.created_at,
            str(self.id),
        )


@dataclass(frozen=True)
class Pair:
    a: uuid.UUID
    b: uuid.UUID
    distance_km: float
    gap_days: int
    score: float
    parts: dict[str, float]


@dataclass
class Member:
    id: str
    source: str
    source_id: str
    source_name: str | None
    origin: str
    date: str
    date_precision: str | None
    location: str | None
    lon: float
    lat: float
    dead: int | None
    missing: int | None
    total: int
    rank: int
    score: float | None  # against the rank-1 member; None for rank 1


@dataclass
class Group:
    event_id: str
    members: list[Member]


@dataclass
class DedupeReport:
    """One run: how many records were looked at, pairs scored, groups formed."""

    threshold: float
    radius_km: float
    window_days: int
    sources: list[str] | None
    records: int = 0
    candidate_pairs: int = 0
    matched_pairs: int = 0
    ambiguous: int = 0
    same_origin: int = 0
    weak_link: int = 0
    groups: list[Group] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def linked_records(self) -> int:
        return sum(len(g.members) for g in self.groups)

    @property
    def events(self) -> int:
        """Events among the records looked at: each group counts once."""
        return self.records - self.linked_records + len(self.groups)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        data["linked_records"] = self.linked_records
        data["events"] = self.events
        return data

    def summary(self, *, groups: bool = False) -> str:
        scope = ", ".join(self.sources) if self.sources else "all sources"
        lines = [
            f"dedupe ({scope}): {self.records:,} located, dated records -> {self.events:,} events; "
            f"{len(self.groups):,} groups link {self.linked_records:,} records "
            f"({self.seconds:.1f} s)",
            f"  candidate pairs {self.candidate_pairs:,}, at or above threshold "
            f"{self.threshold:.2f}: {self.matched_pairs:,} (not linked: {self.ambiguous:,} "
            f"ambiguous, {self.same_origin:,} same-origin conflicts, "
            f"{self.weak_link:,} weak cross links)",
        ]
        if groups:
            for g in self.groups:
                lines.append(f"event {g.event_id}")
                for m in g.members:
                    score = "primary" if m.score is None else f"score {m.score:.2f}"
                    counts = f"dead {_n(m.dead)} missing {_n(m.missing)} total {m.total}"
                    lines.append(
                        f"  {m.rank}. {m.source} [{m.origin.split(' | ')[-1] or '-'}] "
                        f"{m.date} ({m.date_precision or '?'}) {m.lat:.4f},{m.lon:.4f} "
                        f"{counts} — {(m.location or '')[:60]!r} — {score}"
                    )
        return "\n".join(lines)


def _decimals(value: float) -> int:
    """Decimal places a coordinate was given with (up to 6: beyond that it is exact)."""
    for k in range(6):
        if round(value, k) == value:
            return k
    return 6


def _n(value: int | None) -> str:
    return "-" if value is None else str(value)


# Scoring ----------------------------------------------------------------------------------


def count_allowance(top: int) -> float:
    """How far two totals may differ when the larger is ``top``: not at all up to 2, then a
    third of it, at least 1 (mirrors ``dedupe_pairs.sql``)."""
    return 0.0 if top <= 2 else max(1.0, top * COUNT_SHARE)


def _text(a: str | None, b: str | None) -> float | None:
    """Agreement of two free texts in [0, 1], from the mean of a subset-tolerant similarity
    ("Calais" within "Calais, France") and an order-tolerant one that still sees what differs."""
    if not a or not b:
        return None
    a, b = a.casefold(), b.casefold()
    similarity = (fuzz.token_set_ratio(a, b) + fuzz.token_sort_ratio(a, b)) / 200.0
    # Unrelated texts still share words ("near", "Mexico"): below TEXT_FLOOR is no agreement.
    return max(0.0, (similarity - TEXT_FLOOR) / (1.0 - TEXT_FLOOR))


def score_pair(
    a: Record, b: Record, distance_km: float, gap_days: int
) -> tuple[float, dict[str, float]]:
    """The match score of two candidate records and its parts, each in [0, 1]."""
    at_sea = a.country == "at_sea" or b.country == "at_sea"
    scale = SCALE_SEA_KM if at_sea else SCALE_LAND_KM
    # Half of the score: points within each other's uncertainty are as close as the sources
    # can say; the other half still prefers the closer of two candidates inside it.
    slack = a.uncertainty_km() + b.uncertainty_km()
    beyond = max(0.0, distance_km - slack)
    s_distance = 0.5 * math.exp(-beyond / scale) + 0.5 * math.exp(-distance_km / (scale + slack))
    widest = max(
        (a.date_precision or "year", b.date_precision or "year"), key=lambda p: DATE_RANK[p]
    )
    s_date = max(0.0, 1.0 - gap_days / (WINDOW_DAYS + 1)) * PRECISION_FACTOR[widest]
    top = max(a.total, b.total)
    # Candidates differ by at most count_allowance (dedupe_pairs.sql applies the same rule):
    # 1 and 2 never match, 4 and 5 or 45 and 50 do, scoring 0.5 at the limit.
    allowed = count_allowance(top)
    s_counts = 1.0 if a.total == b.total else 1.0 - 0.5 * abs(a.total - b.total) / allowed
    if a.total == b.total and a.dead == b.dead:
        s_counts = 1.0
    elif a.total == b.total:
        s_counts = 0.95  # same total, split differently between dead and missing
    loc = _text(a.location_text, b.location_text)
    cause = _text(a.cause, b.cause)
    outlet = _text(a.source_name, b.source_name)
    # Citing the same outlet is evidence; different outlets are not evidence against (a
    # second organisation names itself, not the newspaper).
    if outlet is not None and outlet < SAME_OUTLET:
        outlet = None
    known = [(w, s) for w, s in ((0.6, loc), (0.2, cause), (0.2, outlet)) if s is not None]
    s_text = sum(w * s for w, s in known) / sum(w for w, _ in known) if known else TEXT_NEUTRAL
    parts = {"distance": s_distance, "date": s_date, "counts": s_counts, "text": s_text}
    score = sum(WEIGHTS[k] * v for k, v in parts.items())
    return round(score, 4), {k: round(v, 3) for k, v in parts.items()}


# Grouping ---------------------------------------------------------------------------------


@dataclass
class Grouping:
    """Groups of two or more record ids (preferred record first) and why pairs were refused."""

    groups: list[list[uuid.UUID]]
    ambiguous: int = 0  # another record of the same origin matches (almost) as well
    same_origin: int = 0  # the merge would put two records of one origin in one event
    weak_link: int = 0  # some cross pair of the merged group scores below the floor


def group_pairs(
    records: dict[uuid.UUID, Record], pairs: Sequence[Pair], *, threshold: float
) -> Grouping:
    """Link pairs at or above ``threshold``, best first, with three guards.

    A pair links only if each record's match beats its next-best candidate *of the same
    origin* by ``AMBIGUITY_MARGIN`` (a coarse point among several same-day deaths is not a
    match for any of them); two groups merge only if their origins are disjoint and every cross
    pair scores at least ``threshold - LINK_SLACK`` (complete linkage: no chains).
    """
    scores = {(p.a, p.b): p.score for p in pairs} | {(p.b, p.a): p.score for p in pairs}
    ranked: dict[tuple[uuid.UUID, str], list[tuple[float, uuid.UUID]]] = defaultdict(list)
    for (x, y), score in scores.items():
        ranked[(x, records[y].origin)].append((score, y))
    for options in ranked.values():
        options.sort(key=lambda t: (-t[0], str(t[1])))

    def runner_up(x: uuid.UUID, y: uuid.UUID) -> float:
        others = [score for score, z in ranked[(x, records[y].origin)][:2] if z != y]
        return others[0] if others else 0.0

    out = Grouping(groups=[])
    group_of: dict[uuid.UUID, int] = {}
    groups: dict[int, list[uuid.UUID]] = {}
    next_key = 0
    floor = threshold - LINK_SLACK
    ordered = sorted(
        (p for p in pairs if p.score >= threshold), key=lambda p: (-p.score, str(p.a), str(p.b))
    )
    for p in ordered:
        if max(runner_up(p.a, p.b), runner_up(p.b, p.a)) > p.score - AMBIGUITY_MARGIN:
            out.ambiguous += 1
            continue
        ga = groups.get(group_of.get(p.a, -1), [p.a])
        gb = groups.get(group_of.get(p.b, -1), [p.b])
        if ga is gb:
            continue
        if {records[i].origin for i in ga} & {records[i].origin for i in gb}:
            out.same_origin += 1
            continue
        if any(scores.get((x, y), 0.0) < floor for x in ga for y in gb):
            out.weak_link += 1
            continue
        for stale in {group_of.get(p.a), group_of.get(p.b)} - {None}:
            del groups[stale]  # type: ignore[arg-type]
        next_key += 1
        groups[next_key] = ga + gb
        for i in groups[next_key]:
            group_of[i] = next_key
    result = [sorted(g, key=lambda i: records[i].preference()) for g in groups.values()]
    out.groups = sorted(result, key=lambda g: str(g[0]))
    return out


# Database ---------------------------------------------------------------------------------


@dataclass
class Candidates:
    """The candidate pairs of a run, scored, with the records they involve (only those) and
    the number of located, dated records looked at."""

    located: int
    records: dict[uuid.UUID, Record]
    pairs: list[Pair]


def find_candidates(
    conn: Connection,
    *,
    sources: list[str] | None = None,
    radius_km: float = RADIUS_KM,
    window_days: int = WINDOW_DAYS,
) -> Candidates:
    """Find and score the candidate pairs (dedupe_records.sql, dedupe_pairs.sql).

    Only the records of some pair are read into Python: with one dense origin most located
    records have no candidate at all. The temporary tables are dropped before returning."""
    conn.execute(sa.text("DROP TABLE IF EXISTS pg_temp.dedupe_pairs, pg_temp.dedupe_records"))
    for statement in load_sql("geo", "dedupe_records.sql").split(";"):
        if statement.strip():
            conn.execute(sa.text(statement), {"sources": sources})
    located = int(conn.execute(sa.text("SELECT count(*) FROM dedupe_records")).scalar_one())
    conn.execute(
        sql("geo", "dedupe_pairs.sql"),
        {"radius_m": radius_km * 1000.0, "window_days": window_days},
    )
    records = {r.id: Record(**r._mapping) for r in conn.execute(sql("geo", "dedupe_load.sql"))}
    rows = conn.execute(sa.text("SELECT a, b, distance_m, gap_days FROM dedupe_pairs")).all()
    conn.execute(sa.text("DROP TABLE pg_temp.dedupe_pairs, pg_temp.dedupe_records"))
    pairs = []
    for a, b, distance_m, gap in rows:
        km = distance_m / 1000.0
        score, parts = score_pair(records[a], records[b], km, gap)
        pairs.append(Pair(a, b, round(km, 3), gap, score, parts))
    return Candidates(located=located, records=records, pairs=pairs)


def _member(r: Record, rank: int, score: float | None) -> Member:
    return Member(
        id=str(r.id),
        source=r.source,
        source_id=r.source_id,
        source_name=r.source_name,
        origin=r.origin,
        date=r.event_date.isoformat(),
        date_precision=r.date_precision,
        location=r.location_text,
        lon=round(r.lon, 6),
        lat=round(r.lat, 6),
        dead=r.dead,
        missing=r.missing,
        total=r.total,
        rank=rank,
        score=score,
    )


def dedupe_events(
    conn: Connection,
    *,
    threshold: float = THRESHOLD,
    radius_km: float = RADIUS_KM,
    window_days: int = WINDOW_DAYS,
    sources: Iterable[str] | None = None,
    write: bool = True,
) -> DedupeReport:
    """Group records that report the same event and (with ``write``) store the groups.

    Works inside the caller's transaction. ``sources`` limits the run to records of those
    sources (events that also hold records of other sources are dissolved first; a full run
    restores them). Idempotent: a second run writes the same groups.

    >>> report = dedupe_events(conn)            # doctest: +SKIP
    >>> print(report.summary(groups=True))      # doctest: +SKIP
    """
    started = time.perf_counter()
    scope = sorted(set(sources)) if sources is not None else None
    report = DedupeReport(
        threshold=threshold, radius_km=radius_km, window_days=window_days, sources=scope
    )
    found = find_candidates(conn, sources=scope, radius_km=radius_km, window_days=window_days)
    records, pairs = found.records, found.pairs
    report.records = found.located
    report.candidate_pairs = len(pairs)
    report.matched_pairs = sum(p.score >= threshold for p in pairs)
    grouping = group_pairs(records, pairs, threshold=threshold)
    report.ambiguous = grouping.ambiguous
    report.same_origin = grouping.same_origin
    report.weak_link = grouping.weak_link
    scores = {(p.a, p.b): p.score for p in pairs} | {(p.b, p.a): p.score for p in pairs}
    writes: list[dict[str, Any]] = []
    for group in grouping.groups:
        first = group[0]
        event_id = min(group, key=lambda i: (records[i].created_at, str(i)))
        members = []
        for rank, i in enumerate(group, start=1):
            score = None if rank == 1 else scores.get((first, i), 0.0)
            members.append(_member(records[i], rank, score))
            writes.append({"id": str(i), "event_id": str(event_id), "rank": rank, "score": score})
        report.groups.append(Group(event_id=str(event_id), members=members))
    report.groups.sort(key=lambda g: (g.members[0].date, g.event_id))
    if write:
        conn.execute(sql("geo", "dedupe_reset.sql"), {"sources": scope})
        if writes:
            conn.execute(sql("geo", "dedupe_apply.sql"), {"members": json.dumps(writes)})
    report.seconds = time.perf_counter() - started
    return report


# Evaluation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairQuality:
    """Pairwise precision and recall of a grouping against known same-event pairs."""

    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
        }


def pairs_of(groups: Iterable[Iterable[str]]) -> set[frozenset[str]]:
    """Every unordered pair of ids that share a group."""
    out: set[frozenset[str]] = set()
    for group in groups:
        ids = sorted(group)
        out |= {frozenset((x, y)) for i, x in enumerate(ids) for y in ids[i + 1 :]}
    return out


def pair_quality(groups: Iterable[Iterable[str]], truth: set[frozenset[str]]) -> PairQuality:
    """Score ``groups`` (ids per event) against ``truth`` (pairs known to be one event)."""
    predicted = pairs_of(groups)
    return PairQuality(len(truth), len(predicted), len(predicted & truth))
