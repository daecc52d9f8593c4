"""Filter values shared by every read query, parsed from the text a client sends.

Parsing lives here, not in the API, so the CLI, map builders and later OGC endpoints reject the
same inputs with the same words. Every failure is an ``InvalidInput`` that says what to send.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from geo.errors import InvalidInput, shown

CATEGORIES = ("death", "disappearance", "pushback", "violence", "detention", "other")
# incidents.location_precision, finest first (docs/import.md, "Location precision").
PRECISIONS = ("exact", "site", "locality", "admin", "country", "sea_area")
AT_SEA = "at_sea"
# incidents.incident_type (migration 0020): what a record's figures stand for.
INCIDENT_TYPES = ("incident", "cumulative", "split")
# incidents.review_state a public reader may ask for; 'rejected' records are never served.
REVIEW_STATES = ("unreviewed", "verified", "flagged")
NEVER_PUBLIC_STATE = "rejected"

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_ISO3 = re.compile(r"^[A-Z0-9]{3}$")
# A dataset id (incidents.source) as importers name them: csv mappings allow lowercase letters,
# digits, '.', '_' and '-' (geo.importers.csvmap); a GeoJSON file's stem may add capitals.
_SOURCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", re.ASCII)
# Plain ASCII decimals: float() alone also takes "1_0" (10) and non-ASCII digits.
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)
# A page size; twelve digits is beyond any maximum, and int() refuses over 4300 digits anyway.
_COUNT = re.compile(r"[+-]?\d{1,12}", re.ASCII)
# RFC 3339 (5.6) full-date and date-time; fromisoformat alone also takes ISO 8601's basic, week
# and offset-less forms, and a date-time without an offset has no UTC day.
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))?", re.ASCII
)
_BBOX_HINT = "bbox must be minx,miny,maxx,maxy with -180<=x<=180, -90<=y<=90 and miny<=maxy"


@dataclass(frozen=True)
class BBox:
    """A lon/lat box; ``minx > maxx`` means it crosses the antimeridian."""

    minx: float
    miny: float
    maxx: float
    maxy: float

    @property
    def crosses_antimeridian(self) -> bool:
        return self.minx > self.maxx

    def envelopes(self) -> list[tuple[float, float, float, float]]:
        """One envelope, or two (east and west of 180°) for a box across the antimeridian."""
        if not self.crosses_antimeridian:
            return [(self.minx, self.miny, self.maxx, self.maxy)]
        return [(self.minx, self.miny, 180.0, self.maxy), (-180.0, self.miny, self.maxx, self.maxy)]


def parse_bbox(text: str) -> BBox:
    """``"minx,miny,maxx,maxy"`` in WGS84 degrees.

    >>> parse_bbox("170,-20,-170,-10").crosses_antimeridian
    True
    """
    got = shown(text)
    parts = [p.strip() for p in text.split(",")]
    if not all(_NUMBER.fullmatch(p) for p in parts):
        raise InvalidInput(f"{_BBOX_HINT}; got {got}", parameter="bbox")
    values = [float(p) for p in parts]
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise InvalidInput(f"{_BBOX_HINT}; got {got}", parameter="bbox")
    minx, miny, maxx, maxy = values
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180):
        raise InvalidInput(f"{_BBOX_HINT}; longitude out of range in {got}", parameter="bbox")
    if not (-90 <= miny <= 90 and -90 <= maxy <= 90):
        raise InvalidInput(f"{_BBOX_HINT}; latitude out of range in {got}", parameter="bbox")
    if miny > maxy:
        raise InvalidInput(f"{_BBOX_HINT}; miny is greater than maxy in {got}", parameter="bbox")
    return BBox(minx, miny, maxx, maxy)


DATETIME_MATCHES = ("overlaps", "within")


@dataclass(frozen=True)
class DateInterval:
    """Inclusive calendar-day bounds; ``None`` is an open end.

    A record's date is itself an interval (``event_date`` .. ``event_end``: its day, month or
    year, by ``date_precision``). ``match`` says which records a filter keeps: ``overlaps``
    (default) those whose interval shares at least a day with the asked one, so "January
    2014" is in ``2014-01-02/2014-01-31``; ``within`` only those wholly inside it.
    """

    start: date | None
    end: date | None
    match: str = "overlaps"


_DATETIME_HINT = (
    "datetime must be an RFC 3339 date or date-time (2015-06-01 or 2015-06-01T00:00:00Z) or an "
    "interval start/end where one end may be '..' or empty (2015-01-01/2015-12-31, ../2016-01-01)"
)
_OPEN = ("", "..")


def _parse_instant(text: str) -> date | datetime:
    """A date, or an RFC 3339 date-time as an aware UTC datetime."""
    try:
        if not _RFC3339.fullmatch(text):
            raise ValueError(text)
        if len(text) == 10:
            return date.fromisoformat(text)
        # OverflowError: the UTC day is before 0001 or after 9999
        return datetime.fromisoformat(text.replace("z", "Z")).astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidInput(f"{_DATETIME_HINT}; got {shown(text)}", parameter="datetime") from None


def _day(instant: date | datetime) -> date:
    """The UTC calendar day (event dates are days)."""
    return instant.date() if isinstance(instant, datetime) else instant


def _after(start: date | datetime, end: date | datetime) -> bool:
    """Two date-times compare as instants; a date stands for its whole day."""
    if isinstance(start, datetime) and isinstance(end, datetime):
        return start > end
    return _day(start) > _day(end)


def parse_datetime(text: str) -> DateInterval:
    """An OGC API Features ``datetime`` value: one instant, or ``start/end`` with one open end.

    Both ends open (``../..``, ``/``) is refused: the standard's grammar allows one open end,
    and an interval without bounds filters nothing, so it is likely a value lost on the way.
    """
    text = text.strip()
    if "/" not in text:
        if text in _OPEN:
            raise InvalidInput(f"{_DATETIME_HINT}; got {shown(text)}", parameter="datetime")
        day = _day(_parse_instant(text))
        return DateInterval(day, day)
    pieces = text.split("/")
    if len(pieces) != 2:
        raise InvalidInput(f"{_DATETIME_HINT}; got {shown(text)}", parameter="datetime")
    if all(p in _OPEN for p in pieces):
        raise InvalidInput(
            "datetime interval must give at least one end (2015-01-01/.., ../2015-12-31); "
            f"omit datetime for no date filter; got {shown(text)}",
            parameter="datetime",
        )
    start, end = (None if p in _OPEN else _parse_instant(p) for p in pieces)
    if start is not None and end is not None and _after(start, end):
        raise InvalidInput(
            f"datetime interval starts after it ends ({start} > {end}); got {shown(text)}",
            parameter="datetime",
        )
    return DateInterval(_day(start) if start else None, _day(end) if end else None)


def parse_datetime_match(text: str) -> str:
    """``overlaps`` or ``within`` (``datetime_match``)."""
    value = text.strip().lower()
    if value not in DATETIME_MATCHES:
        raise InvalidInput(
            f"datetime_match must be one of {', '.join(DATETIME_MATCHES)}; got {shown(text)}",
            parameter="datetime_match",
        )
    return value


def parse_categories(text: str) -> tuple[str, ...]:
    """One category or a comma-separated list of them."""
    return _parse_choices(text, CATEGORIES, parameter="category")


def parse_precisions(text: str) -> tuple[str, ...]:
    """One location precision or a comma-separated list of them."""
    return _parse_choices(text, PRECISIONS, parameter="precision")


def parse_incident_types(text: str) -> tuple[str, ...]:
    """One incident type or a comma-separated list of them."""
    return _parse_choices(text, INCIDENT_TYPES, parameter="incident_type")


def parse_review_states(text: str) -> tuple[str, ...]:
    """One review state or a comma-separated list; asking for rejected records is refused with
    the reason (they are never public), not answered with an empty list."""
    if NEVER_PUBLIC_STATE in (v.strip().lower() for v in text.split(",")):
        raise InvalidInput(
            f"review_state {NEVER_PUBLIC_STATE!r} is never public: rejected records are not "
            f"served; ask for one or more of {', '.join(REVIEW_STATES)}",
            parameter="review_state",
        )
    return _parse_choices(text, REVIEW_STATES, parameter="review_state")


def _parse_choices(text: str, allowed: tuple[str, ...], *, parameter: str) -> tuple[str, ...]:
    """Values of a comma-separated list, each one of ``allowed`` (any case, once each)."""
    values = tuple(dict.fromkeys(v.strip().lower() for v in text.split(",") if v.strip()))
    unknown = [v for v in values if v not in allowed]
    if not values or unknown:
        raise InvalidInput(
            f"{parameter} must be one or more of {', '.join(allowed)} (comma-separated); "
            f"got {shown(text)}",
            parameter=parameter,
        )
    return values


def parse_max_uncertainty(text: str) -> float:
    """A radius in metres, ≥ 0 (``max_uncertainty_m``)."""
    value = float(text) if _NUMBER.fullmatch(text.strip()) else math.nan
    if not math.isfinite(value) or value < 0:
        raise InvalidInput(
            f"max_uncertainty_m must be a number of metres ≥ 0 (e.g. 5000); got {shown(text)}",
            parameter="max_uncertainty_m",
        )
    return value


def parse_limit(text: str, *, maximum: int) -> int:
    """A page size within 1..maximum: out of range is an error, never silently capped."""
    if not _COUNT.fullmatch(text.strip()):
        raise InvalidInput(
            f"limit must be between 1 and {maximum} (an integer); got {shown(text)}",
            parameter="limit",
        )
    value = int(text)
    if not 1 <= value <= maximum:
        more = " Use the 'next' link to page through larger results." if value > 0 else ""
        raise InvalidInput(
            f"limit must be between 1 and {maximum}; got {value}.{more}", parameter="limit"
        )
    return value


def parse_slug(text: str, *, parameter: str = "corridor") -> str:
    """A corridor slug: lowercase letters and digits joined by single hyphens."""
    if not _SLUG.match(text):
        raise InvalidInput(
            f"{parameter} must be a slug like 'central-mediterranean' (a-z, 0-9, single hyphens); "
            f"got {shown(text)}",
            parameter=parameter,
        )
    return text


def parse_sources(text: str) -> tuple[str, ...]:
    """One dataset id or a comma-separated list (``source=iom-mmp,ngo-x``), each once; ids are
    case-sensitive, as stored. Whether an id exists is checked against the data
    (``geo.repo.incidents.check_sources``)."""
    values = tuple(dict.fromkeys(v.strip() for v in text.split(",") if v.strip()))
    bad = [v for v in values if not _SOURCE_ID.fullmatch(v)]
    if not values or bad:
        raise InvalidInput(
            "source must be one or more dataset ids like 'iom-mmp' (letters, digits, '.', '_', "
            f"'-'; comma-separated; see /sources for every id); got {shown(text)}",
            parameter="source",
        )
    return values


def parse_country(text: str) -> str:
    """A three-letter code (case-insensitive, e.g. GRC) or ``at_sea``; whether the code exists
    (ISO alpha-3 or Natural Earth) is checked against the data (``geo.repo.incidents``)."""
    value = text.strip()
    if value.lower() == AT_SEA:
        return AT_SEA
    if not (value.isascii() and _ISO3.match(value.upper())):  # "ııı".upper() is "III"
        raise InvalidInput(
            f"country must be a three-letter country code (ISO 3166-1 alpha-3 or Natural Earth "
            f"ADM0_A3, e.g. GRC, ESH; see /countries) or 'at_sea'; got {shown(text)}",
            parameter="country",
        )
    return value.upper()


def parse_uuid(text: str, *, parameter: str = "id") -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidInput(
            f"{parameter} must be a UUID like 3f2b8a52-1c4e-4d6a-9b1f-0a1b2c3d4e5f; "
            f"got {shown(text)}",
            parameter=parameter,
        ) from None


@dataclass(frozen=True)
class Cursor:
    """Keyset position: the (event_date, id) of the last row of the previous page."""

    event_date: date | None
    id: uuid.UUID

    def encode(self) -> str:
        payload = json.dumps(
            [self.event_date.isoformat() if self.event_date else None, str(self.id)],
            separators=(",", ":"),
        )
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """The inverse of ``encode``; anything else is a client error, not a crash."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            day, ident = json.loads(raw)
            if not isinstance(ident, str):  # uuid.UUID(123) is an AttributeError, not ValueError
                raise TypeError(ident)
            return cls(date.fromisoformat(day) if day is not None else None, uuid.UUID(ident))
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
            raise InvalidInput(
                "cursor is not valid; follow the 'next' link of a previous page unchanged",
                parameter="cursor",
            ) from None


def parse_choice(text: str, allowed: tuple[str, ...], *, parameter: str) -> str:
    """Exactly one of ``allowed`` (any case), e.g. ``weight=dead`` or ``interval=month``."""
    value = text.strip().lower()
    if value not in allowed:
        raise InvalidInput(
            f"{parameter} must be one of {', '.join(allowed)}; got {shown(text)}",
            parameter=parameter,
        )
    return value


def parse_bounded_number(text: str, *, parameter: str, low: float, high: float, hint: str) -> float:
    """A plain decimal within ``low..high`` (inclusive); ``hint`` says what the number means."""
    value = float(text) if _NUMBER.fullmatch(text.strip()) else math.nan
    if not (math.isfinite(value) and low <= value <= high):
        raise InvalidInput(
            f"{parameter} must be a number from {low:g} to {high:g} ({hint}); got {shown(text)}",
            parameter=parameter,
        )
    return value


def parse_int_between(text: str, low: int, high: int, *, parameter: str, hint: str = "") -> int:
    """A whole number within ``low..high`` (e.g. an H3 resolution); ``hint`` says what it means,
    written after the range (e.g. ``" (H3 resolution)"``)."""
    value = int(text) if _COUNT.fullmatch(text.strip()) else None
    if value is None or not low <= value <= high:
        raise InvalidInput(
            f"{parameter} must be an integer from {low} to {high}{hint}; got {shown(text)}",
            parameter=parameter,
        )
    return value
