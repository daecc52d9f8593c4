"""Public incidents: filtered, keyset-paged lists and single look-ups.

Only ``sensitivity = 'public'`` and not ``rejected`` rows are ever read (the predicate is in the
SQL file, not in a caller), so no endpoint can forget it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.db import load_sql, sql
from geo.errors import InvalidInput, NotFound, shown
from geo.quality import words
from geo.repo.filters import AT_SEA, BBox, Cursor, DateInterval

Row = Mapping[str, Any]


@dataclass(frozen=True)
class IncidentFilter:
    """What a client may filter incidents on; every field is optional."""

    bbox: BBox | None = None
    interval: DateInterval | None = None
    categories: Sequence[str] = ()
    corridor: str | None = None
    country: str | None = None
    precisions: Sequence[str] = ()  # location_precision values
    max_uncertainty_m: float | None = None  # located records known at least this well
    incident_types: Sequence[str] = ()  # incident, cumulative, split
    review_states: Sequence[str] = ()  # unreviewed, verified, flagged (rejected is never public)
    sources: Sequence[str] = ()  # dataset ids (incidents.source): events any of them reports


@dataclass
class IncidentPage:
    """A page of rows, the count over all pages, and where the next page starts (if any)."""

    rows: list[Row]
    number_matched: int
    next_cursor: Cursor | None = None


def filter_sql(flt: IncidentFilter, *, corridor_id: int | None) -> tuple[str, dict[str, Any]]:
    """``AND ...`` predicates on alias ``i`` and their bound values.

    Shared with later aggregate queries (heatmaps, clusters) so they filter identically.
    """
    clauses: list[str] = []
    params: dict[str, Any] = {}
    if flt.bbox is not None:
        boxes = []
        for n, (minx, miny, maxx, maxy) in enumerate(flt.bbox.envelopes()):
            boxes.append(f"i.geom && ST_MakeEnvelope(:bx{n}0, :bx{n}1, :bx{n}2, :bx{n}3, 4326)")
            params.update({f"bx{n}0": minx, f"bx{n}1": miny, f"bx{n}2": maxx, f"bx{n}3": maxy})
        clauses.append("(" + " OR ".join(boxes) + ")")
    if flt.interval is not None:
        date_clauses, date_params = interval_sql(flt.interval)
        clauses += date_clauses
        params.update(date_params)
    if flt.categories:
        clauses.append("i.category = ANY(:categories)")
        params["categories"] = list(flt.categories)
    if flt.corridor is not None:
        clauses.append("i.corridor_id = :corridor_id")
        params["corridor_id"] = corridor_id
    if flt.country is not None:
        clauses.append("i.country = :country")
        params["country"] = flt.country
    if flt.precisions:
        clauses.append("i.location_precision = ANY(:precisions)")
        params["precisions"] = list(flt.precisions)
    if flt.max_uncertainty_m is not None:  # NULL (no point, or unknown) never qualifies
        clauses.append("i.uncertainty_m <= :max_uncertainty_m")
        params["max_uncertainty_m"] = flt.max_uncertainty_m
    if flt.incident_types:
        clauses.append("i.incident_type = ANY(:incident_types)")
        params["incident_types"] = list(flt.incident_types)
    if flt.review_states:
        clauses.append("i.review_state = ANY(:review_states)")
        params["review_states"] = list(flt.review_states)
    if flt.sources:
        # an event matches when any of its public records comes from one of the sources (the
        # preferred record's own source, or a linked record's): the same rule /sources counts by
        clauses.append(_source_filter())
        params["sources"] = list(flt.sources)
    return "".join(f"\n  AND {c}" for c in clauses), params


def _source_filter() -> str:
    """The predicate of ``repo_source_filter.sql`` without its comment lines (it is appended
    after ``AND`` inside other queries)."""
    text = load_sql("geo", "repo_source_filter.sql")
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))


# An event's interval (event_date .. event_end, migration 0017) is at most a year long, so an
# overlap with [start, ..] implies event_date >= start - 366 days: a bound the (event_date, id)
# B-tree can use, where event_end alone has no index.
_LONGEST_INTERVAL = timedelta(days=366)


def interval_sql(interval: DateInterval) -> tuple[list[str], dict[str, Any]]:
    """Predicates on alias ``i`` for a date filter, by its ``match`` rule (docs/api.md, "Dates").

    ``overlaps``: the record's interval shares a day with the asked one. ``within``: it lies
    wholly inside. Undated records match no date filter.
    """
    clauses: list[str] = []
    params: dict[str, Any] = {}
    start, end = interval.start, interval.end
    if interval.match == "within":
        if start is not None:
            clauses.append("i.event_date >= :date_start")
            params["date_start"] = start
        if end is not None:
            clauses.append("i.event_end <= :date_end")
            params["date_end"] = end
        return clauses, params
    if start is not None:
        clauses.append("i.event_end >= :date_start")
        params["date_start"] = start
        if start > date.min + _LONGEST_INTERVAL:
            clauses.append("i.event_date >= :date_reach")
            params["date_reach"] = start - _LONGEST_INTERVAL
    if end is not None:
        clauses.append("i.event_date <= :date_end")
        params["date_end"] = end
    return clauses, params


def corridor_id(conn: Connection, slug: str) -> int:
    """The id of a corridor; an unknown slug is the caller's mistake, so name the known ones."""
    found = conn.execute(sa.text("SELECT id FROM corridors WHERE slug = :slug"), {"slug": slug})
    ident = found.scalar_one_or_none()
    if ident is None:
        known = conn.execute(sa.text("SELECT slug FROM corridors ORDER BY slug")).scalars().all()
        hint = ", ".join(known) if known else "none loaded"
        raise InvalidInput(
            f"unknown corridor {shown(slug)}; known corridors: {hint} (see /corridors)",
            parameter="corridor",
        )
    return int(ident)


def country_code(conn: Connection, code: str) -> str:
    """The Natural Earth code (what incidents carry) for a Natural Earth or ISO 3166-1 alpha-3
    code, e.g. ESH for SAH; ``at_sea`` as it is. An unknown code is the caller's mistake."""
    if code == AT_SEA:
        return code
    found = conn.execute(sql("geo", "repo_country_code.sql"), {"code": code}).scalar_one_or_none()
    if found is None:
        raise InvalidInput(
            f"unknown country {shown(code)}: send an ISO 3166-1 alpha-3 or Natural Earth code, "
            f"or '{AT_SEA}' (see /countries for every code)",
            parameter="country",
        )
    return str(found)


def check_sources(conn: Connection, sources: Sequence[str]) -> None:
    """An id no public record carries is the caller's mistake (a typo would otherwise be an
    empty map that looks like "no deaths"): a 400 naming the known ids and ``/sources``.
    Private-only datasets count as unknown, so the answer reveals nothing about them."""
    if not sources:
        return
    params = {"sources": list(sources)}
    unknown = conn.execute(sql("geo", "repo_unknown_sources.sql"), params).scalars().all()
    if unknown:
        known = conn.execute(sql("geo", "repo_source_ids.sql")).scalars().all()
        hint = ", ".join(known) if known else "none loaded"
        names = ", ".join(shown(s) for s in unknown)
        plural = "s" if len(unknown) > 1 else ""
        raise InvalidInput(
            f"unknown source{plural} {names}; known sources: {hint} (see /sources)",
            parameter="source",
        )


def where_sql(conn: Connection, flt: IncidentFilter) -> tuple[str, dict[str, Any]]:
    """``filter_sql`` after resolving the corridor slug (400 with the known slugs if unknown),
    the country code (ISO or Natural Earth; 400 pointing to /countries if unknown) and checking
    the source ids (400 pointing to /sources if unknown).

    The entry point for any query over public incidents (lists, counts, later heatmaps).
    """
    cid = corridor_id(conn, flt.corridor) if flt.corridor is not None else None
    check_sources(conn, flt.sources)
    if flt.country is not None:
        flt = replace(flt, country=country_code(conn, flt.country))
    return filter_sql(flt, corridor_id=cid)


# Keyset predicates. They are kept free of OR so the (event_date, id) B-tree bounds the scan
# (an ``... OR event_date IS NULL`` turns every deep page into a filter over all earlier rows);
# undated rows, which sort last, are fetched by a second query when the dated ones run out.
_AFTER_DATED = "\n  AND (i.event_date, i.id) > (:after_date, :after_id)"
_UNDATED = "\n  AND i.event_date IS NULL"
_AFTER_UNDATED = "\n  AND i.event_date IS NULL AND i.id > :after_id"
_ORDER = "\nORDER BY i.event_date, i.id\nLIMIT :limit"


def _fetch(conn: Connection, predicates: str, params: dict[str, Any]) -> list[Row]:
    result = conn.execute(sa.text(load_sql("geo", "repo_incidents.sql") + predicates), params)
    keys = list(result.keys())
    return [dict(zip(keys, r, strict=True)) for r in result]  # much faster than Row._mapping


def list_incidents(
    conn: Connection, *, flt: IncidentFilter, limit: int, cursor: Cursor | None = None
) -> IncidentPage:
    """One page in (event_date, id) order, undated incidents last, plus the total match count.

    Keyset paging (``cursor``) keeps pages consistent while rows are added and stays fast deep
    into the result, unlike OFFSET.
    """
    where, params = where_sql(conn, flt)
    # one extra row says whether a next page exists
    rows = _page_rows(conn, where, params, limit=limit + 1, cursor=cursor)
    more = len(rows) > limit
    rows = rows[:limit]
    if cursor is None and not more:
        matched = len(rows)  # the whole result fits on the first page: no count needed
    else:
        matched = _count(conn, where, params)
    next_cursor = Cursor(rows[-1]["event_date"], rows[-1]["id"]) if more else None
    return IncidentPage(
        rows=complete_rows(conn, rows),
        number_matched=matched,
        next_cursor=next_cursor,
    )


def _page_rows(
    conn: Connection, where: str, params: dict[str, Any], *, limit: int, cursor: Cursor | None
) -> list[Row]:
    """Up to ``limit`` rows after ``cursor`` in (event_date, id) order, undated rows last."""
    want = dict(params, limit=limit)
    if cursor is None:
        return _fetch(conn, where + _ORDER, want)
    if cursor.event_date is None:
        return _fetch(conn, where + _AFTER_UNDATED + _ORDER, dict(want, after_id=cursor.id))
    after = dict(want, after_date=cursor.event_date, after_id=cursor.id)
    rows = _fetch(conn, where + _AFTER_DATED + _ORDER, after)
    if len(rows) < limit:
        rows += _fetch(conn, where + _UNDATED + _ORDER, dict(want, limit=limit - len(rows)))
    return rows


def _count(conn: Connection, where: str, params: dict[str, Any]) -> int:
    count_sql = load_sql("geo", "repo_incidents_count.sql") + where
    return int(conn.execute(sa.text(count_sql), params).scalar_one())


def count_incidents(conn: Connection, *, flt: IncidentFilter) -> int:
    """The number of public events matching ``flt`` (``numberMatched``)."""
    where, params = where_sql(conn, flt)
    return _count(conn, where, params)


def iter_incidents(
    conn: Connection, *, flt: IncidentFilter, batch_size: int = 2_000
) -> Iterator[list[Row]]:
    """Every matching event in ``list_incidents`` order, in batches completed as a page is:
    exports stream these by keyset, without OFFSET or a count per batch."""
    where, params = where_sql(conn, flt)
    cursor: Cursor | None = None
    while True:
        rows = _page_rows(conn, where, params, limit=batch_size, cursor=cursor)
        if rows:
            yield complete_rows(conn, rows)
        if len(rows) < batch_size:
            return
        cursor = Cursor(rows[-1]["event_date"], rows[-1]["id"])


# The id of any public record of an event finds the event (served as its best public record).
_BY_ID = """
  AND (i.id = :id OR i.event_id = (SELECT x.event_id FROM incidents AS x
                                   WHERE x.id = :id AND x.sensitivity = 'public'
                                     AND x.review_state <> 'rejected'))"""


def get_incident(conn: Connection, *, id: uuid.UUID) -> Row:
    """One public incident (event); hidden or rejected ones are indistinguishable from missing
    ones. The id of a record linked to an event returns that event's feature."""
    query = load_sql("geo", "repo_incidents.sql") + _BY_ID
    row = conn.execute(sa.text(query), {"id": id}).first()
    if row is None:
        raise NotFound(f"no public incident with id {id}")
    return complete_rows(conn, [dict(row._mapping)])[0]


def complete_rows(conn: Connection, rows: Sequence[Row]) -> list[Row]:
    """What every served incident carries beyond its row: its event's ``sources``, its
    public ``review_reasons`` (one query each per page) and a ``source_url`` that is safe to
    link. Every reader of incidents for the public (pages, single features, exports) goes
    through here."""
    rows = [dict(r, source_url=public_url(r["source_url"])) for r in rows]
    return attach_review_reasons(conn, attach_sources(conn, rows))


# One absolute http(s) URL with a host and no whitespace, quotes, angle brackets or controls.
_UNSAFE = r"\s\x00-\x1f\x7f-\x9f\"'<>\\`"
_PUBLIC_URL = re.compile(rf"https?://[^{_UNSAFE}/?#][^{_UNSAFE}]*", re.IGNORECASE)


def public_url(text: str | None) -> str | None:
    """A source's link as it may be served (maps put it in ``<a href>``): one absolute
    ``http``/``https`` URL, surrounding spaces trimmed; anything else (``javascript:``,
    ``data:``, a relative path, several URLs in one field, free text) is None. Imports keep the
    source's text as it was; this is decided when it is served."""
    if text is None:
        return None
    value = text.strip()
    return value if _PUBLIC_URL.fullmatch(value) else None


def attach_review_reasons(conn: Connection, rows: list[Row]) -> list[Row]:
    """Replace each row's ``quality_flags`` by ``review_reasons``: why the record is doubted,
    in words and country names (:func:`geo.quality.words.review_reasons`), never the flags'
    coordinates or suggested points. One country-name query per page."""
    codes: set[str] = set()
    for r in rows:
        codes |= words.flag_codes(r["quality_flags"])
    names = words.country_names(conn, codes) if codes else {}
    return [
        {
            **{k: v for k, v in r.items() if k != "quality_flags"},
            "review_reasons": words.review_reasons(r["quality_flags"], names),
        }
        for r in rows
    ]


def attach_sources(conn: Connection, rows: Sequence[Row]) -> list[Row]:
    """Give each row ``sources``: the public records of its event, best-ranked first (one
    query for the page), or the row's own record when no other source reports it."""
    events = [r["event_id"] for r in rows if r["event_id"] is not None]
    members: dict[uuid.UUID, list[dict[str, Any]]] = {}
    if events:
        result = conn.execute(sql("geo", "dedupe_sources.sql"), {"events": events})
        for m in result.mappings():
            members.setdefault(m["event_id"], []).append(
                _source(m, m["event_score"], m["event_link"])
            )
    return [dict(r, sources=members.get(r["event_id"]) or [_source(r, None, None)]) for r in rows]


def _source(m: Any, score: float | None, link: str | None) -> dict[str, Any]:
    return {
        "id": str(m["id"]),
        "source": m["source"],
        "source_id": m["source_id"],
        "source_name": m["source_name"],
        "source_url": public_url(m["source_url"]),
        "date": m["event_date"].isoformat() if m["event_date"] else None,
        "date_precision": m["date_precision"],
        "match_score": None if score is None else round(float(score), 3),
        "link": link,
    }
