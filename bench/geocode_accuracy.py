"""Accuracy and speed of the offline geocoder on the labelled MMP location strings.

Usage: ``python bench/geocode_accuracy.py [--holdout] [--misses]``. Prints a table, then the
JSON summary (share within the stated uncertainty overall and by expected precision, median
error, median stated uncertainty per returned precision, ms per call). ``--holdout`` scores
``tests/fixtures/geocode_holdout.csv`` instead: strings the geocoder was never tuned on, so the
gap between the two figures shows overfitting. The hit rule is documented in
``geo.geocode.evaluate``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.geocode.evaluate import load_rows, run, summarise  # noqa: E402
from geo.geocode.gazetteer import gazetteer  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "geocode_labelled.csv"
HOLDOUT = ROOT / "tests" / "fixtures" / "geocode_holdout.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the rows that miss")
    parser.add_argument("--holdout", action="store_true", help="score the held-out strings")
    args = parser.parse_args()
    start = time.perf_counter()
    gazetteer()
    build_s = time.perf_counter() - start
    rows = load_rows(HOLDOUT if args.holdout else FIXTURE)
    outcomes = run(rows)
    summary = summarise(outcomes, timing_rows=rows)
    summary["fixture"] = (HOLDOUT if args.holdout else FIXTURE).name
    summary["index_build_s"] = round(build_s, 2)

    header = ("expected precision", "rows", "within unc.", "precision ok", "median km")
    print(f"{header[0]:<20}{header[1]:>6}{header[2]:>13}{header[3]:>14}{header[4]:>11}")
    for name, part in summary["by_precision"].items():
        print(
            f"{name:<20}{part['rows']:>6}{part['within_uncertainty']:>13.1%}"
            f"{part['precision_match']:>14.1%}{part['median_error_km'] or 0:>11.1f}"
        )
    print(
        f"{'all':<20}{summary['scored_rows']:>6}{summary['within_uncertainty']:>13.1%}"
        f"{summary['precision_match']:>14.1%}{summary['median_error_km'] or 0:>11.1f}"
    )
    print(f"index build {build_s:.2f} s, {summary['ms_per_call']:.3f} ms per call")
    if args.misses:
        for o in outcomes:
            if o.row.has_answer and o.row.reference_ok and not (o.hit and o.precision_ok):
                r = o.result
                err = f"{o.error_m / 1000:.0f} km" if o.error_m is not None else "-"
                unc = f"{(r.uncertainty_m or 0) / 1000:.0f}"
                print(
                    f"MISS hit={o.hit!s:5} prec={r.precision}/{o.row.expected_precision} "
                    f"err={err} unc={unc} {r.status} {r.matched_name!r} | {o.row.text}"
                )
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
