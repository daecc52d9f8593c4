"""Latency of /heatmap and the corridor statistics on whatever is in the database.

Usage (after ``make setup``): ``.venv/bin/python bench/heatmap_api.py [--runs 15] [--json]``.
Runs the app in process (no network, one request at a time) against DATABASE_URL and prints,
per request, the first (cold: hexagon geometry not cached yet) time, p50 and p95 of the
following runs, the response size and the number of hexagons, then the same as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings

CASES = [
    "/heatmap?res=2",
    "/heatmap?res=4",
    "/heatmap?res=6",
    "/heatmap?res=4&format=cells",
    "/heatmap?res=4&mode=spread&weight=dead_and_missing",
    "/heatmap?res=6&mode=spread",
    "/heatmap?res=4&corridor=central-mediterranean&datetime=2016-01-01/2016-12-31",
    "/corridors",
    "/corridors/central-mediterranean",
    "/corridors/central-mediterranean/timeseries?interval=month",
]


def _measure(client: TestClient, path: str, runs: int) -> dict[str, object]:
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
    body = response.json()
    cells = len(body["features"]) if isinstance(body, dict) and "features" in body else None
    if isinstance(body, list):
        cells = len(body)
    rest = sorted(times[1:])
    return {
        "path": path,
        "first_ms": round(times[0], 1),
        "p50_ms": round(statistics.median(rest), 1),
        "p95_ms": round(rest[min(len(rest) - 1, int(0.95 * len(rest)))], 1),
        "bytes": len(response.content),
        "cells": cells,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", action="store_true", help="print only the JSON")
    args = parser.parse_args()
    with TestClient(create_app(Settings())) as client:  # DATABASE_URL from the environment
        rows = [_measure(client, path, args.runs) for path in CASES]
    if not args.json:
        print(f"{'request':<80} {'first':>8} {'p50':>8} {'p95':>8} {'bytes':>9} {'cells':>6}")
        for r in rows:
            print(f"{r['path']:<80} {r['first_ms']:>8} {r['p50_ms']:>8} {r['p95_ms']:>8} "
                  f"{r['bytes']:>9} {r['cells'] if r['cells'] is not None else '':>6}")  # fmt: skip
        print()
    print(json.dumps({"runs": args.runs, "load_avg": os.getloadavg(), "rows": rows}))


if __name__ == "__main__":
    main()
