"""Score the geocoder against labelled location strings (used by the test and the bench).

A row is a *hit* when the geocoder returns a point whose geodesic distance to the record's
own coordinates is at most the stated ``uncertainty_m`` plus :data:`REFERENCE_TOLERANCE_M`.
The tolerance stands for the error of the reference itself: MMP coordinates are mostly a
town centroid or an approximate position at sea, typically a few kilometres from the true
spot, so a correct circle can miss the reference by that much. Ambiguous and not-found
answers on rows that have an answer are misses. Rows whose reference is known to be wrong
(``reference_ok`` false, e.g. swapped latitude and longitude) are left out of the accuracy.
"""

from __future__ import annotations

import csv
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo.geocode.geodesy import distance_m
from geo.geocode.model import GeocodeResult
from geo.geocode.phrases import clear_caches
from geo.geocode.resolve import geocode

REFERENCE_TOLERANCE_M = 10_000.0


@dataclass(frozen=True, slots=True)
class LabelledRow:
    """One hand-labelled location string with the record's own coordinates."""

    text: str
    region: str
    country_hint: str | None
    expected_country: str
    expected_precision: str
    ref_lat: float
    ref_lon: float
    has_answer: bool
    reference_ok: bool
    note: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """The geocoder's answer for one row and how it compares."""

    row: LabelledRow
    result: GeocodeResult
    error_m: float | None
    hit: bool
    precision_ok: bool
    country_ok: bool | None


def load_rows(path: Path) -> list[LabelledRow]:
    """Read the labelled CSV."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            LabelledRow(
                text=r["text"],
                region=r["region"],
                country_hint=r["country_hint"] or None,
                expected_country=r["expected_country"],
                expected_precision=r["expected_precision"],
                ref_lat=float(r["ref_lat"]),
                ref_lon=float(r["ref_lon"]),
                has_answer=r["has_answer"] == "true",
                reference_ok=r["reference_ok"] == "true",
                note=r["note"],
            )
            for r in csv.DictReader(fh)
        ]


def judge(row: LabelledRow, result: GeocodeResult) -> Outcome:
    """Compare one answer with the labels (see the module docstring for the hit rule)."""
    error = None
    hit = False
    if result.status == "matched" and result.lat is not None and result.lon is not None:
        error = distance_m(result.lat, result.lon, row.ref_lat, row.ref_lon)
        hit = error <= (result.uncertainty_m or 0.0) + REFERENCE_TOLERANCE_M
    country_ok = None
    if row.has_answer and row.expected_country != "none":
        country_ok = result.country == row.expected_country
    return Outcome(
        row=row,
        result=result,
        error_m=error,
        hit=hit,
        precision_ok=result.precision == row.expected_precision,
        country_ok=country_ok,
    )


def run(rows: list[LabelledRow]) -> list[Outcome]:
    """Geocode every row with its region and country hints."""
    return [
        judge(r, geocode(r.text, country=r.country_hint, region=r.region or None)) for r in rows
    ]


def summarise(
    outcomes: list[Outcome], *, timing_rows: list[LabelledRow] | None = None
) -> dict[str, Any]:
    """Accuracy overall and by expected precision, median error, and ms per call."""
    scored = [o for o in outcomes if o.row.has_answer and o.row.reference_ok]
    by_precision: dict[str, list[Outcome]] = defaultdict(list)
    for o in scored:
        by_precision[o.row.expected_precision].append(o)
    errors = [o.error_m / 1000 for o in scored if o.error_m is not None]
    matched = [o.result for o in outcomes if o.result.status == "matched"]
    countries = [o.country_ok for o in outcomes if o.country_ok is not None]
    no_answer = [o for o in outcomes if not o.row.has_answer]
    summary: dict[str, Any] = {
        "rows": len(outcomes),
        "scored_rows": len(scored),
        "within_uncertainty": _share(o.hit for o in scored),
        "precision_match": _share(o.precision_ok for o in scored),
        "country_match": _share(countries),
        "matched": _share(o.result.status == "matched" for o in scored),
        "median_error_km": round(statistics.median(errors), 1) if errors else None,
        "no_answer_rows_not_matched": _share(o.result.status != "matched" for o in no_answer),
        "by_precision": {
            name: {
                "rows": len(group),
                "within_uncertainty": _share(o.hit for o in group),
                "precision_match": _share(o.precision_ok for o in group),
                "median_error_km": _median_km(group),
            }
            for name, group in sorted(by_precision.items())
        },
        "median_uncertainty_km": _median_uncertainty(matched),
        "bad_reference_rows_within_uncertainty": _share(
            o.hit for o in outcomes if o.row.has_answer and not o.row.reference_ok
        ),
    }
    if timing_rows:
        summary["ms_per_call"] = round(ms_per_call(timing_rows), 3)
    return summary


def ms_per_call(rows: list[LabelledRow]) -> float:
    """Mean wall time of a geocode call over the rows, index built but fuzzy cache empty."""
    geocode("warm-up")
    clear_caches()
    start = time.perf_counter()
    for r in rows:
        geocode(r.text, region=r.region or None)
    return (time.perf_counter() - start) * 1000 / len(rows)


def _share(flags: Any) -> float | None:
    values = list(flags)
    return round(sum(bool(v) for v in values) / len(values), 4) if values else None


def _median_km(group: list[Outcome]) -> float | None:
    errors = [o.error_m / 1000 for o in group if o.error_m is not None]
    return round(statistics.median(errors), 1) if errors else None


def _median_uncertainty(results: list[GeocodeResult]) -> dict[str, float]:
    """Median stated radius (km) per returned precision: shows whether radii grow over time."""
    by: dict[str, list[float]] = defaultdict(list)
    for r in results:
        by[r.precision or "none"].append((r.uncertainty_m or 0.0) / 1000)
    return {name: round(statistics.median(v), 1) for name, v in sorted(by.items())}
