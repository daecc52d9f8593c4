"""Rows without usable coordinates get a point from their location text, or a reason why not.

Runs on staged rows just before COPY: each distinct (text, country hint, region) is geocoded
once per import, and the gazetteer is only loaded when the first such row arrives. A matched
text gives the point, its precision and uncertainty (``location_source = 'geocoded'``); an
ambiguous one is flagged for review, never guessed; the decision is kept on the record
(``geocode``). See docs/import.md, "Rows without coordinates".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from geo import h3index
from geo.importers.base import STAGE_COLUMNS, Issues
from geo.importers.location import CLASS_RADIUS_M, precision_for

MAX_CANDIDATES = 10  # kept on the record; the rest only make it longer
# A match scoring below this is not used: the geocoder only scores that low when the text and
# the hints disagree (a country hint that fits none of the names costs ×0.55).
MIN_SCORE = 0.5

_I = {name: STAGE_COLUMNS.index(name) for name in STAGE_COLUMNS}
ROW_NO, LON, LAT = _I["row_no"], _I["lon"], _I["lat"]
TEXT, REGION, COUNTRY = _I["location_text"], _I["region_text"], _I["pushed_from"]
CELL, RES = _I["h3_cell"], _I["h3_res"]
PRECISION, UNCERTAINTY = _I["location_precision"], _I["uncertainty_m"]
SOURCE, GEOCODE, FLAG = _I["location_source"], _I["geocode"], _I["location_flag"]


class Result(Protocol):
    """What ``geo.geocode.GeocodeResult`` offers (any geocoder returning this shape works)."""

    @property
    def status(self) -> str: ...
    @property
    def lat(self) -> float | None: ...
    @property
    def lon(self) -> float | None: ...
    @property
    def precision(self) -> str | None: ...
    @property
    def uncertainty_m(self) -> float | None: ...
    @property
    def score(self) -> float: ...
    @property
    def matched_name(self) -> str | None: ...
    @property
    def matched_source(self) -> str | None: ...
    @property
    def country(self) -> str | None: ...
    @property
    def candidates(self) -> Sequence[Any]: ...
    @property
    def reason(self) -> str: ...


Geocoder = Callable[..., Result]  # (text, *, country=None, region=None) -> Result


def offline_geocoder() -> Geocoder:
    """``geo.geocode.geocode``, imported only when a row needs it."""
    from geo.geocode import geocode

    return geocode


class RowGeocoder:
    """Fills the location columns of staged rows that have no point (in place)."""

    def __init__(self, geocoder: Geocoder | None, issues: Issues) -> None:
        self._geocoder = geocoder
        self._issues = issues
        self._cache: dict[tuple[str, str | None, str | None], tuple[Result, str]] = {}
        self._to_cell = h3index.cell_at_function()

    def place(self, staged: list[Any]) -> None:
        """Geocode one staged row without a point (the caller checks ``staged[LON] is None``)."""
        row, text = staged[ROW_NO], staged[TEXT]
        if not text:
            self._issues.warn(
                row,
                "location",
                "no coordinates and no location text; stored without a location",
                "not geocoded: no location text",
            )
            return
        key = (text, staged[COUNTRY], staged[REGION])
        hit = self._cache.get(key)
        if hit is None:
            if self._geocoder is None:
                self._geocoder = offline_geocoder()
            result = self._geocoder(text, country=key[1], region=key[2])
            hit = self._cache[key] = (result, json.dumps(decision(result), ensure_ascii=False))
        result, kept = hit
        staged[GEOCODE] = kept
        if usable(result):
            self._matched(staged, result)
        elif result.status == "matched":
            self._issues.warn(
                row,
                "location",
                f"location text matched {result.matched_name!r} only weakly (score "
                f"{result.score:.2f} < {MIN_SCORE}: {result.reason}); stored without a location",
                "weak geocode match not used",
            )
        elif result.status == "ambiguous":
            names = ", ".join(_label(c) for c in result.candidates[:3])
            staged[FLAG] = json.dumps(
                {"check": "ambiguous_location", "candidates": _candidates(result)},
                ensure_ascii=False,
            )
            self._issues.warn(
                row,
                "location",
                f"location text is ambiguous ({len(result.candidates)} candidates: {names}); "
                "stored without a location and flagged for review",
                "ambiguous location text (flagged)",
            )
        else:
            self._issues.warn(
                row,
                "location",
                f"location text not geocoded ({result.reason or 'no match'}); "
                "stored without a location",
                "location text not found",
            )

    def _matched(self, staged: list[Any], result: Result) -> None:
        assert result.lat is not None and result.lon is not None
        radius = result.uncertainty_m
        if radius is None:
            radius = CLASS_RADIUS_M.get(result.precision or "", CLASS_RADIUS_M["admin"])
        precision = result.precision or precision_for(radius)
        res = h3index.resolution_for_uncertainty(radius)
        staged[LON], staged[LAT] = result.lon, result.lat
        staged[CELL], staged[RES] = self._to_cell(result.lon, result.lat, res), res
        staged[PRECISION], staged[UNCERTAINTY] = precision, float(radius)
        staged[SOURCE] = "geocoded"
        self._issues.warn(
            staged[ROW_NO],
            "location",
            f"geocoded from location text: {result.matched_name!r} ({precision}, "
            f"±{_km(radius)} km)",
            f"geocoded from location text ({precision})",
        )


def usable(result: Result) -> bool:
    """A match the import places the record at."""
    return (
        result.status == "matched"
        and result.lat is not None
        and result.lon is not None
        and result.score >= MIN_SCORE
    )


def decision(result: Result) -> dict[str, Any]:
    """What is kept on the record: the outcome, the chosen match and the candidates."""
    return {
        "status": result.status,
        "placed": usable(result),
        "match": result.matched_name,
        "match_source": result.matched_source,
        "score": round(float(result.score), 3),
        "precision": result.precision if result.status == "matched" else None,
        "uncertainty_m": (
            round(float(result.uncertainty_m))
            if result.status == "matched" and result.uncertainty_m is not None
            else None
        ),
        "country": result.country,
        "reason": result.reason,
        "candidates": _candidates(result),
    }


def _candidates(result: Result) -> list[dict[str, Any]]:
    return [
        {
            "name": c.name,
            "country": c.country,
            "kind": c.kind,
            "lat": round(float(c.lat), 4),
            "lon": round(float(c.lon), 4),
            "score": round(float(c.score), 3),
        }
        for c in result.candidates[:MAX_CANDIDATES]
    ]


def _label(candidate: Any) -> str:
    return f"{candidate.name} [{candidate.country or '-'}]"


def _km(metres: float) -> str:
    km = metres / 1000
    return f"{km:.0f}" if km >= 10 else f"{km:.1f}"
