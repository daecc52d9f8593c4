"""Optional online geocoding (Nominatim, through geopy), cached in the database.

The offline gazetteer answers first; only a text it cannot place is sent to Nominatim, and
every answer (found or not) is kept in ``geocode_cache`` so the same text is never sent twice.

Privacy: the only things that leave the machine are the location text, with GPS strings and
other coordinate-like numbers removed, and the ISO country hint. Never coordinates, record ids,
dates or any other field. Nothing here runs unless a caller builds an ``OnlineGeocoder``; the
app's setting ``geocoder_online`` is off by default (docs/geocoding.md, "Online geocoder").
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal, cast
from urllib.parse import urlsplit

from sqlalchemy.engine import Connection, RowMapping

from geo.db import sql
from geo.errors import InvalidInput
from geo.geocode.geodesy import distance_m
from geo.geocode.model import Candidate, GeocodeResult, Precision
from geo.geocode.resolve import geocode
from geo.geocode.text import repair_mojibake, strip_boilerplate

PROVIDER = "nominatim"
DEFAULT_URL = "https://nominatim.openstreetmap.org"
OSM_DOMAIN = "nominatim.openstreetmap.org"
# Nominatim's usage policy: at most one request per second on the public server.
POLICY_MIN_DELAY_S = 1.0
LIMIT = 5

# Two answers this close in Nominatim's importance, and this far apart, are not told apart by
# the text: report them as ambiguous rather than take the more famous one (judgement values).
AMBIGUOUS_IMPORTANCE_GAP = 0.1
AMBIGUOUS_DISTANCE_M = 50_000.0

# Nominatim bounding boxes of points are a few metres wide: the radius never goes below what
# the precision class means.
MIN_UNCERTAINTY_M: dict[str, float] = {
    "site": 50.0,
    "locality": 1_000.0,
    "admin": 10_000.0,
    "country": 10_000.0,
    "sea_area": 10_000.0,
}

_SEA: dict[str, set[str]] = {
    "place": {"sea", "ocean"},
    "natural": {"sea", "bay", "strait", "ocean"},
}
_ADDRESSTYPE: dict[str, Precision] = {
    "country": "country",
    **dict.fromkeys(
        ["state", "region", "province", "state_district", "county", "municipality", "district"],
        "admin",
    ),
    **dict.fromkeys(
        [
            "city",
            "town",
            "village",
            "hamlet",
            "suburb",
            "quarter",
            "neighbourhood",
            "city_district",
            "borough",
            "locality",
            "isolated_dwelling",
            "croft",
        ],
        "locality",
    ),
    **dict.fromkeys(
        [
            "road",
            "building",
            "amenity",
            "shop",
            "tourism",
            "leisure",
            "man_made",
            "railway",
            "aeroway",
            "military",
            "office",
            "house_number",
            "city_block",
        ],
        "site",
    ),
}

# Coordinates that survive strip_boilerplate: decimal degrees and degree/minute notation.
_COORDINATES = re.compile(
    r"[-+]?\d{1,3}(?:\.\d+|,\d{2,})(?:\s*°)?(?:\s*[NSEW]\b)?"
    r"|\d{1,3}\s*°(?:\s*\d{1,2}(?:[.,]\d+)?\s*['′])?(?:\s*\d{1,2}(?:[.,]\d+)?\s*[\"″])?"
    r"(?:\s*[NSEW]\b)?"
)

Source = Literal["offline", "cache", "online", "error"]


class OnlineLookupFailed(Exception):
    """The service could not be asked or did not answer (network, timeout, HTTP error)."""


class RateLimiter:
    """Keeps at least ``min_delay_s`` between the starts of two requests.

    ``clock`` and ``sleep`` are injectable so tests check the waits without timing anything.
    """

    def __init__(
        self,
        min_delay_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if min_delay_s < 0:
            raise ValueError("min_delay_s must be >= 0")
        self.min_delay_s = min_delay_s
        self._clock, self._sleep = clock, sleep
        self._last: float | None = None
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Sleep until the next request may start; return the seconds slept."""
        with self._lock:
            slept = 0.0
            if self._last is not None:
                slept = max(0.0, self._last + self.min_delay_s - self._clock())
                if slept > 0:
                    self._sleep(slept)
            self._last = self._clock()
            return slept


class OnlineGeocoder:
    """Nominatim through geopy, rate-limited.

    ``url`` may point at any Nominatim (a self-hosted one, or a local test server); the public
    one requires an identifying ``user_agent`` and at least one second between requests.
    """

    provider = PROVIDER

    def __init__(
        self,
        *,
        user_agent: str,
        url: str = DEFAULT_URL,
        timeout_s: float = 10.0,
        min_delay_s: float = POLICY_MIN_DELAY_S,
        limit: int = LIMIT,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        from geopy.geocoders import Nominatim

        if not user_agent.strip():
            raise InvalidInput(
                "the online geocoder needs a user agent naming this deployment and a contact "
                "(Nominatim's usage policy), e.g. 'crossings-ngo-x/1.0 (ops@example.org)'",
                parameter="geocoder_user_agent",
            )
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidInput(
                f"nominatim_url must be an http(s) URL, got {url!r}", parameter="nominatim_url"
            )
        if parts.hostname == OSM_DOMAIN and min_delay_s < POLICY_MIN_DELAY_S:
            raise InvalidInput(
                f"the public Nominatim allows one request per second: geocoder_min_delay_s must "
                f"be >= {POLICY_MIN_DELAY_S}, got {min_delay_s}",
                parameter="geocoder_min_delay_s",
            )
        if timeout_s <= 0:
            raise InvalidInput("geocoder_timeout_s must be > 0", parameter="geocoder_timeout_s")
        self.url = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
        self.timeout_s = timeout_s
        self.limit = limit
        self.limiter = RateLimiter(min_delay_s, clock=clock, sleep=sleep)
        self._nominatim = Nominatim(
            user_agent=user_agent.strip(),
            domain=parts.netloc + parts.path.rstrip("/"),
            scheme=parts.scheme,
            timeout=timeout_s,
        )

    def search(self, query: str, *, countrycode: str | None = None) -> list[dict[str, Any]]:
        """Nominatim's raw answers (best first; empty when nothing is found).

        Raises ``OnlineLookupFailed`` when the service cannot be reached or answers an error.
        """
        from geopy.exc import GeocoderTimedOut, GeopyError

        self.limiter.wait()
        try:
            found = self._nominatim.geocode(
                query,
                exactly_one=False,
                limit=self.limit,
                addressdetails=True,
                country_codes=countrycode,
            )
        except GeocoderTimedOut as exc:
            message = f"{self.url} did not answer within {self.timeout_s:g} s"
            raise OnlineLookupFailed(message) from exc
        except GeopyError as exc:
            raise OnlineLookupFailed(f"{self.url}: {exc}") from exc
        return [dict(loc.raw) for loc in found or []]


@dataclass(slots=True)
class Lookup:
    """A geocode result and where it came from.

    ``sent`` is the text that was (or, from the cache, had been) sent online, so a person can
    see what left the machine; ``error`` says why the service failed.
    """

    result: GeocodeResult
    source: Source
    error: str | None = None
    sent: str | None = None

    def to_dict(self) -> dict[str, Any]:
        extra = {"source": self.source, "sent": self.sent, "error": self.error}
        return {**self.result.to_dict(), **extra}

    def summary(self) -> str:
        lines = [self.result.summary(), f"source:      {self.source}"]
        if self.sent is not None:
            lines.append(f"sent:        {self.sent!r}")
        if self.error:
            lines.append(f"error:       online geocoder failed: {self.error}")
        return "\n".join(lines)


def cached_geocode(
    conn: Connection,
    text: str,
    *,
    country: str | None = None,
    region: str | None = None,
    online: OnlineGeocoder | None = None,
) -> GeocodeResult:
    """Offline first; the cache, then the online service, only for texts offline cannot place.

    Examples
    --------
    >>> cached_geocode(conn, "Unspecified location, Libya").status  # doctest: +SKIP
    'matched'
    """
    return lookup(conn, text, country=country, region=region, online=online).result


def lookup(
    conn: Connection,
    text: str,
    *,
    country: str | None = None,
    region: str | None = None,
    online: OnlineGeocoder | None = None,
) -> Lookup:
    """``cached_geocode`` with the source of the answer (offline, cache, online or error).

    Only ``text`` (cleaned by ``outbound_query``) and the country hint are sent; ``region`` is
    used offline only. Failed requests leave the offline result, with the failure in
    ``reason`` and ``error``, and are not cached, so the next call asks again.
    """
    offline = geocode(text, country=country, region=region)
    if offline.status == "matched" or online is None:
        return Lookup(offline, "offline")
    query = outbound_query(text)
    if not query:
        offline.reason = _join(offline.reason, "nothing left to send online once cleaned")
        return Lookup(offline, "offline")
    hint = _country_hint(country)
    key = cache_key(query, hint)
    row = get_cached(conn, provider=online.provider, query_key=key)
    if row is not None:
        answer = from_nominatim(text, row["answer"], hint=hint)
        return Lookup(_prefer(offline, answer), "cache", sent=query)
    try:
        raw = online.search(query, countrycode=_iso2(hint))
    except OnlineLookupFailed as exc:
        note = f"online geocoder failed ({exc}); nothing cached, it will be asked again"
        offline.reason = _join(offline.reason, note)
        return Lookup(offline, "error", error=str(exc), sent=query)
    answer = from_nominatim(text, raw, hint=hint)
    store_cached(
        conn,
        provider=online.provider,
        query_key=key,
        query=query,
        country_hint=hint,
        answer=raw,
        result=answer,
    )
    return Lookup(_prefer(offline, answer), "online", sent=query)


def outbound_query(text: str) -> str:
    """The text as sent online: boilerplate, GPS strings and coordinate-like numbers removed."""
    cleaned = _COORDINATES.sub(" ", strip_boilerplate(repair_mojibake(text)))
    cleaned = re.sub(r"\(\s*[,;]*\s*\)", " ", cleaned)
    cleaned = re.sub(r"\s*([,;])(?:\s*[,;])*", r"\1 ", cleaned)  # "near , ," -> "near,"
    return " ".join(cleaned.split()).strip(" ,;:-")


def cache_key(query: str, country_hint: str | None) -> str:
    """Normalised cache key: the country hint sent with the text, then the folded text."""
    folded = " ".join(unicodedata.normalize("NFKC", query).casefold().split())
    return f"{country_hint or ''}|{folded}"


def get_cached(conn: Connection, *, provider: str, query_key: str) -> RowMapping | None:
    """The stored answer for this key, or ``None`` when the service was never asked."""
    params = {"provider": provider, "query_key": query_key}
    return conn.execute(sql("geo", "geocode_cache_get.sql"), params).mappings().first()


def store_cached(
    conn: Connection,
    *,
    provider: str,
    query_key: str,
    query: str,
    country_hint: str | None,
    answer: Sequence[Mapping[str, Any]],
    result: GeocodeResult,
) -> int | None:
    """Keep one answer (found or not); returns the new row id, ``None`` if already stored."""
    first = answer[0] if answer else {}
    matched = result.status == "matched"
    params = {
        "provider": provider,
        "query_key": query_key,
        "query": query,
        "country_hint": country_hint,
        "status": result.status,
        "answer": json.dumps(list(answer)),
        "lat": result.lat if matched else None,
        "lon": result.lon if matched else None,
        "precision": result.precision if matched else None,
        "uncertainty_m": result.uncertainty_m if matched else None,
        "display_name": first.get("display_name"),
    }
    return conn.execute(sql("geo", "geocode_cache_put.sql"), params).scalar()


def from_nominatim(
    text: str, answer: Sequence[Mapping[str, Any]], *, hint: str | None = None
) -> GeocodeResult:
    """Map Nominatim's answers (``format=json``, with address details) to a ``GeocodeResult``.

    Precision comes from the answer's class/type (seas), ``addresstype``, ``place_rank`` and,
    failing those, the bounding box's size; the uncertainty is the radius from the point to the
    bounding box's farthest corner (the offline country radius for countries). ``score`` is
    Nominatim's ``importance`` (prominence, not a match score).
    """
    sent_with = f" (country hint {hint})" if hint else ""
    if not answer:
        return GeocodeResult(
            query=text, status="not_found", reason=f"Nominatim found nothing{sent_with}"
        )
    candidates = [_candidate(place) for place in answer]
    top, best = answer[0], candidates[0]
    rivals = [
        c
        for c in candidates[1:]
        if c.score >= best.score - AMBIGUOUS_IMPORTANCE_GAP
        and distance_m(best.lat, best.lon, c.lat, c.lon) > AMBIGUOUS_DISTANCE_M
    ]
    if rivals:
        return GeocodeResult(
            query=text,
            status="ambiguous",
            score=best.score,
            candidates=candidates,
            reason=f"Nominatim: {1 + len(rivals)} places far apart fit equally well{sent_with}",
        )
    precision = _precision(top)
    return GeocodeResult(
        query=text,
        status="matched",
        lat=best.lat,
        lon=best.lon,
        precision=precision,
        uncertainty_m=_uncertainty_m(top, precision, best.country),
        score=best.score,
        matched_name=best.name,
        matched_source=PROVIDER,
        country=best.country,
        candidates=candidates,
        reason=f"Nominatim: {best.kind}{sent_with}",
    )


def _candidate(place: Mapping[str, Any]) -> Candidate:
    cls, typ = _class_type(place)
    return Candidate(
        name=str(place.get("display_name") or place.get("name") or ""),
        lat=float(place["lat"]),
        lon=float(place["lon"]),
        country=_country_of(place),
        kind=f"{cls}:{typ}",
        score=min(1.0, max(0.0, float(place.get("importance") or 0.0))),
        source=PROVIDER,
    )


def _class_type(place: Mapping[str, Any]) -> tuple[str, str]:
    # format=json says "class", format=jsonv2 says "category".
    return str(place.get("class") or place.get("category") or ""), str(place.get("type") or "")


def _is_sea(place: Mapping[str, Any]) -> bool:
    cls, typ = _class_type(place)
    return typ in _SEA.get(cls, set()) or place.get("addresstype") in {"sea", "ocean"}


def _country_of(place: Mapping[str, Any]) -> str | None:
    if _is_sea(place):
        return "at_sea"
    code = (place.get("address") or {}).get("country_code")
    return _countries()[1].get(code.upper()) if code else None


def _precision(place: Mapping[str, Any]) -> Precision:
    if _is_sea(place):
        return "sea_area"
    found = _ADDRESSTYPE.get(str(place.get("addresstype") or ""))
    if found:
        return found
    rank = place.get("place_rank")
    if isinstance(rank, int | float) or (isinstance(rank, str) and rank.isdigit()):
        r = int(rank)
        return "country" if r <= 4 else "admin" if r <= 12 else "locality" if r <= 25 else "site"
    radius = _bbox_radius_m(place)
    if radius is None:
        return "locality"
    return "admin" if radius >= 100_000 else "locality" if radius >= 2_000 else "site"


def _uncertainty_m(place: Mapping[str, Any], precision: Precision, country: str | None) -> float:
    floor = MIN_UNCERTAINTY_M[precision]
    if precision == "country" and country in _countries()[2]:
        # Bounding boxes of countries with overseas parts span oceans; use the main polygon's.
        return _countries()[2][cast(str, country)]
    radius = _bbox_radius_m(place)
    return max(floor, radius) if radius is not None else floor


def _bbox_radius_m(place: Mapping[str, Any]) -> float | None:
    box = place.get("boundingbox")
    try:
        south, north, west, east = (float(v) for v in box)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        return None
    lat, lon = float(place["lat"]), float(place["lon"])
    return max(distance_m(lat, lon, y, x) for y in (south, north) for x in (west, east))


def _prefer(offline: GeocodeResult, online: GeocodeResult) -> GeocodeResult:
    """The more decided of the two (matched > ambiguous > not_found); offline on a tie."""
    order = {"matched": 0, "ambiguous": 1, "not_found": 2}
    if order[online.status] < order[offline.status]:
        online.reason = _join(f"offline: {offline.reason}", online.reason)
        return online
    offline.reason = _join(offline.reason, f"online: {online.reason}")
    return offline


def _country_hint(country: str | None) -> str | None:
    """The ADM0_A3 hint when it names a country we know, else ``None`` (not sent)."""
    code = country.strip().upper() if country else None
    return code if code and code in _countries()[0] else None


def _iso2(hint: str | None) -> str | None:
    return _countries()[0][hint].lower() if hint else None


@cache
def _countries() -> tuple[dict[str, str], dict[str, str], dict[str, float]]:
    """ADM0_A3 -> ISO2, ISO2 -> ADM0_A3, ADM0_A3 -> radius (m) of the main polygon.

    Where Natural Earth gives one ISO2 code to several units (AU: Australia and the Ashmore
    and Cartier Islands), the answer's country is the largest of them.
    """
    data = resources.files("geo").joinpath("data", "countries.csv").read_text(encoding="utf-8")
    to_iso2: dict[str, str] = {}
    to_adm0: dict[str, str] = {}
    radius: dict[str, float] = {}
    for row in csv.DictReader(io.StringIO(data)):
        radius[row["adm0_a3"]] = float(row["radius_m"])
        iso2 = row["iso_a2"]
        if iso2 and iso2 != "-99":
            to_iso2[row["adm0_a3"]] = iso2
            best = to_adm0.get(iso2)
            if best is None or radius[row["adm0_a3"]] > radius[best]:
                to_adm0[iso2] = row["adm0_a3"]
    return to_iso2, to_adm0, radius


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


__all__ = [
    "Lookup",
    "OnlineGeocoder",
    "OnlineLookupFailed",
    "RateLimiter",
    "cache_key",
    "cached_geocode",
    "from_nominatim",
    "get_cached",
    "lookup",
    "outbound_query",
    "store_cached",
]
