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
from itertools import combinations
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
# How far a record's own uncertainty may widen the search for partners: a place known only to
# a sea area or a country is near anything inside it, but the search stays bounded.
MAX_REACH_KM = 500.0
# Two exports of one source list the same records: among their records that no distinct match
# links, those that fit each other interchangeably (same place within uncertainty, same
# window, compatible counts) and score at least this are paired one to one (see group_pairs).
ASSIGN_FLOOR = 0.5
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
    incident_type: str | None = None

    @property
    def cumulative(self) -> bool:
        """A figure for a period (MMP "Cumulative Incident"), dated when it was compiled."""
        return self.incident_type == "cumulative"

    @property
    def date_span(self) -> str:
        """The precision the matcher treats the date with: a cumulative figure's is its year."""
        return "year" if self.cumulative else (self.date_precision or "year")

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


@dataclass(frozen=True)
class PartCandidate:
    """A record that may be one row of an incident another export records whole."""

    whole: uuid.UUID
    part: uuid.UUID
    distance_km: float
    gap_days: int


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
    # how it joined the rank-1 member: "match" (a distinct match) or "assigned" (one of several
    # interchangeable records of two exports of one source, paired one to one); None for rank 1
    link: str | None = None
    block: str | None = None
    incident_type: str | None = None  # for "assigned": the interchangeable block, "11 x 12" records


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
    assigned: int = 0
    splits: int = 0
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
            f"{self.weak_link:,} weak cross links); paired as interchangeable records of two "
            f"exports of one source: {self.assigned:,}; split incidents made up of parts: "
            f"{self.splits:,}",
        ]
        if groups:
            for g in self.groups:
                lines.append(f"event {g.event_id}")
                for m in g.members:
                    score = "primary" if m.score is None else f"score {m.score:.2f}"
                    if m.link == "part":
                        score = "part of the split incident above"
                    if m.link == "assigned":
                        score += f", {assigned_words(m.block)}"
                    counts = f"dead {_n(m.dead)} missing {_n(m.missing)} total {m.total}"
                    lines.append(
                        f"  {m.rank}. {m.source} [{m.origin.split(' | ')[-1] or '-'}] "
                        f"{m.date} ({m.date_precision or '?'}) {m.lat:.4f},{m.lon:.4f} "
                        f"{counts} — {(m.location or '')[:60]!r} — {score}"
                    )
        return "\n".join(lines)


def assigned_words(block: str | None) -> str:
    """Why an ``assigned`` link was made, for a person reading the report."""
    if block == "1 x 1":
        return "assigned: the only candidate either export has for the other"
    return f"assigned one to one within a block of {block} records the two exports list alike"


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
    widest = max((a.date_span, b.date_span), key=lambda p: DATE_RANK[p])
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
    # pairs linked by assignment (assign_interchangeable): the pair -> its block, "11 x 12"
    assigned: dict[frozenset[uuid.UUID], str] = field(default_factory=dict)
    # parts of split incidents (find_splits): part -> the record of the whole incident
    parts: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)


def group_pairs(
    records: dict[uuid.UUID, Record],
    pairs: Sequence[Pair],
    *,
    threshold: float,
    parts: Sequence[PartCandidate] = (),
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
    for whole, members in find_splits(records, parts, linked=set(group_of)).items():
        next_key += 1
        groups[next_key] = [whole, *members]
        group_of.update(dict.fromkeys(groups[next_key], next_key))
        out.parts.update(dict.fromkeys(members, whole))
    out.assigned = assign_interchangeable(records, pairs, linked=set(group_of))
    for pair in out.assigned:
        next_key += 1
        groups[next_key] = sorted(pair, key=str)

    def preferred_first(group: list[uuid.UUID]) -> list[uuid.UUID]:
        """Preferred record first; the whole of a split incident before its parts."""
        best = sorted(group, key=lambda i: records[i].preference())
        whole = out.parts.get(group[-1])
        return best if whole is None else [whole, *(i for i in best if i != whole)]

    result = [preferred_first(g) for g in groups.values()]
    out.groups = sorted(result, key=lambda g: str(g[0]))
    return out


MAX_PARTS = 3


def find_splits(
    records: dict[uuid.UUID, Record], parts: Sequence[PartCandidate], *, linked: set[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The rows of another export that make up an incident its source marks as split.

    IOM's current MMP layout records some incidents whole and marks them "Split Incident"; the
    older export lists the same incident as several rows (29 dead off Malta in one row, 151
    missing at another point in the next, 180 in the current export). No row matches the whole
    (the totals differ), so each would count on its own: 360 instead of 180. A split record
    takes 2 to ``MAX_PARTS`` unlinked records of one other origin, each a candidate part
    (dedupe_parts.sql), whose dead and missing add up exactly to its own — or, failing that,
    whose totals do; among several such sets, the nearest (summed distance, then ids).
    """
    by_whole: dict[uuid.UUID, dict[str, list[PartCandidate]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for c in parts:
        if c.whole not in linked and c.part not in linked:
            by_whole[c.whole][records[c.part].origin].append(c)
    out: dict[uuid.UUID, list[uuid.UUID]] = {}
    used: set[uuid.UUID] = set()
    for whole in sorted(by_whole, key=str):
        w = records[whole]
        found: list[tuple[int, float, list[str], list[uuid.UUID]]] = []
        for origin in sorted(by_whole[whole]):
            options = [c for c in by_whole[whole][origin] if c.part not in used]
            for k in range(2, MAX_PARTS + 1):
                for combo in combinations(options, k):
                    rows = [records[c.part] for c in combo]
                    exact = sum(r.dead or 0 for r in rows) == (w.dead or 0) and sum(
                        r.missing or 0 for r in rows
                    ) == (w.missing or 0)
                    if exact or sum(r.total for r in rows) == w.total:
                        ids = sorted((c.part for c in combo), key=str)
                        distance = sum(c.distance_km for c in combo)
                        found.append((0 if exact else 1, distance, [str(i) for i in ids], ids))
        if found:
            out[whole] = min(found)[3]
            used.update(out[whole])
    return out


def assign_interchangeable(
    records: dict[uuid.UUID, Record], pairs: Sequence[Pair], *, linked: set[uuid.UUID]
) -> dict[frozenset[uuid.UUID], str]:
    """Pair the interchangeable records of two exports of one source, one to one.

    Two exports of one source (IOM's older and current MMP layouts) list the same records, so a
    record of one that fits records of the other is expected to be among them. Where the
    records cannot be told apart — Pima County lists one body per row, at a county point in one
    export and at each body's point with only the month in the other — no distinct match
    exists and the ambiguity guard links none: each body would count twice. Here the records
    not linked otherwise, of the same source and different origins, with a candidate pair
    scoring at least ``ASSIGN_FLOOR``, form blocks (connected components per pair of origins);
    each block is paired by a maximum-score one-to-one assignment, so it counts
    ``max(n, m)`` events, never ``n + m``. Which record of a block pairs with which is
    arbitrary (deterministic: records ordered by id), and the link says so (``assigned``).
    Records of different sources are never assigned: another organisation's list need not
    overlap ours.
    """
    from scipy.optimize import linear_sum_assignment  # only runs where exports overlap

    by_origins: dict[tuple[str, str], list[Pair]] = defaultdict(list)
    for p in pairs:
        a, b = records[p.a], records[p.b]
        if (
            p.score >= ASSIGN_FLOOR
            and a.source == b.source
            and a.origin != b.origin
            and p.a not in linked
            and p.b not in linked
        ):
            by_origins[(min(a.origin, b.origin), max(a.origin, b.origin))].append(p)
    out: dict[frozenset[uuid.UUID], str] = {}
    used: set[uuid.UUID] = set()
    for (left_origin, _), block_pairs in sorted(by_origins.items()):
        live = [p for p in block_pairs if p.a not in used and p.b not in used]
        for component in _components(live):
            left = sorted({i for p in component for i in (p.a, p.b) if
                           records[i].origin == left_origin}, key=str)  # fmt: skip
            right = sorted({i for p in component for i in (p.a, p.b)} - set(left), key=str)
            at = {i: k for k, i in enumerate(left)} | {i: k for k, i in enumerate(right)}
            score = [[0.0] * len(right) for _ in left]
            for p in component:
                x, y = (p.a, p.b) if p.a in set(left) else (p.b, p.a)
                score[at[x]][at[y]] = p.score
            rows, cols = linear_sum_assignment(score, maximize=True)
            block = f"{len(left)} x {len(right)}"
            for r, c in zip(rows, cols, strict=True):
                if score[r][c] > 0.0:
                    out[frozenset((left[r], right[c]))] = block
                    used.update((left[r], right[c]))
    return out


def _components(pairs: Sequence[Pair]) -> list[list[Pair]]:
    """The pairs grouped by connected component of their records, in a fixed order."""
    parent: dict[uuid.UUID, uuid.UUID] = {}

    def root(i: uuid.UUID) -> uuid.UUID:
        while parent.setdefault(i, i) != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for p in pairs:
        ra, rb = root(p.a), root(p.b)
        if ra != rb:
            parent[max(ra, rb, key=str)] = min(ra, rb, key=str)
    components: dict[uuid.UUID, list[Pair]] = defaultdict(list)
    for p in sorted(pairs, key=lambda p: (str(p.a), str(p.b))):
        components[root(p.a)].append(p)
    return [components[k] for k in sorted(components, key=str)]


# Database ---------------------------------------------------------------------------------


@dataclass
class Candidates:
    """The candidate pairs of a run, scored, with the records they involve (only those) and
    the number of located, dated records looked at."""

    located: int
    records: dict[uuid.UUID, Record]
    pairs: list[Pair]
    parts: list[PartCandidate] = field(default_factory=list)


def find_candidates(
    conn: Connection,
    *,
    sources: list[str] | None = None,
    radius_km: float = RADIUS_KM,
    window_days: int = WINDOW_DAYS,
) -> Candidates:
    """Find and score the candidate pairs (dedupe_records.sql, dedupe_pairs.sql) and the
    candidate parts of split incidents (dedupe_parts.sql), near by the same rule.

    Only the records of some pair or part are read into Python: with one dense origin most located
    records have no candidate at all. The temporary tables are dropped before returning."""
    conn.execute(
        sa.text(
            "DROP TABLE IF EXISTS pg_temp.dedupe_pairs, pg_temp.dedupe_parts, "
            "pg_temp.dedupe_records"
        )
    )
    # Degrees of longitude are taken this much nearer the pole than a record (see
    # dedupe_records.sql): a partner is at most radius + two reaches away, a degree of
    # latitude is at least 110.5 km, and 10 % more covers the bulge of the path between them.
    lat_margin = (radius_km + 2 * MAX_REACH_KM) / 100.0
    params = {"sources": sources, "max_reach_m": MAX_REACH_KM * 1000.0, "lat_margin": lat_margin}
    for statement in load_sql("geo", "dedupe_records.sql").split(";"):
        if statement.strip():
            conn.execute(sa.text(statement), params)
    located = int(conn.execute(sa.text("SELECT count(*) FROM dedupe_records")).scalar_one())
    near = {"radius_m": radius_km * 1000.0, "window_days": window_days, "lat_margin": lat_margin}
    conn.execute(sql("geo", "dedupe_pairs.sql"), near)
    conn.execute(sql("geo", "dedupe_parts.sql"), near)
    records = {r.id: Record(**r._mapping) for r in conn.execute(sql("geo", "dedupe_load.sql"))}
    rows = conn.execute(sa.text("SELECT a, b, distance_m, gap_days FROM dedupe_pairs")).all()
    parts = [
        PartCandidate(whole, part, round(distance_m / 1000.0, 3), gap)
        for whole, part, distance_m, gap in conn.execute(
            sa.text("SELECT whole, part, distance_m, gap_days FROM dedupe_parts")
        )
    ]
    conn.execute(
        sa.text("DROP TABLE pg_temp.dedupe_pairs, pg_temp.dedupe_parts, pg_temp.dedupe_records")
    )
    pairs = []
    for a, b, distance_m, gap in rows:
        km = distance_m / 1000.0
        score, score_parts = score_pair(records[a], records[b], km, gap)
        pairs.append(Pair(a, b, round(km, 3), gap, score, score_parts))
    return Candidates(located=located, records=records, pairs=pairs, parts=parts)


def _member(
    r: Record, rank: int, score: float | None, link: str | None, block: str | None
) -> Member:
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
        link=link,
        block=block,
        incident_type=r.incident_type,
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
    grouping = group_pairs(records, pairs, threshold=threshold, parts=found.parts)
    report.ambiguous = grouping.ambiguous
    report.same_origin = grouping.same_origin
    report.weak_link = grouping.weak_link
    report.assigned = len(grouping.assigned)
    report.splits = len(set(grouping.parts.values()))
    scores = {(p.a, p.b): p.score for p in pairs} | {(p.b, p.a): p.score for p in pairs}
    writes: list[dict[str, Any]] = []
    for group in grouping.groups:
        first = group[0]
        event_id = min(group, key=lambda i: (records[i].created_at, str(i)))
        members = []
        for rank, i in enumerate(group, start=1):
            block = grouping.assigned.get(frozenset((first, i)))
            if rank == 1:
                score, link = None, None
            elif i in grouping.parts:
                score, link = None, "part"  # a part does not match the whole on its own
            else:
                score = scores.get((first, i), 0.0)
                link = "match" if block is None else "assigned"
            members.append(_member(records[i], rank, score, link, block))
            writes.append(
                {"id": str(i), "event_id": str(event_id), "rank": rank, "score": score,
                 "link": link}
            )  # fmt: skip
        report.groups.append(Group(event_id=str(event_id), members=members))
    report.groups.sort(key=lambda g: (g.members[0].date, g.event_id))
    if write:
        conn.execute(sql("geo", "dedupe_reset.sql"), {"sources": scope})
        if writes:
            conn.execute(sql("geo", "dedupe_apply.sql"), {"members": json.dumps(writes)})
        # Event ranks decide which record counts (public_event.sql); the planner must know them
        # (autovacuum may be off, or not have run yet).
        conn.execute(sa.text("ANALYZE incidents"))
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
