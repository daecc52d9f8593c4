"""Latency of the global-pattern evidence (``geo.pattern.global_pattern``) in process.

Usage: ``python bench/global_pattern.py [--repeat 5]`` against the database at ``DATABASE_URL``
(default ``postgresql://postgres@127.0.0.1:5432/crossings``): for each hot-spot resolution, the
median and worst time of the grouped scan (SQL) alone, of the Gi* test alone, and of the whole
answer, with the cells tested. Prints a table, then JSON. Measures whatever data is loaded
(the bundled MMP sample after ``make setup``); say which when quoting the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.settings import to_sqlalchemy_url  # noqa: E402
from geo.db import create_engine  # noqa: E402
from geo.pattern import global_pattern  # noqa: E402
from geo.pattern.hotspots import MAX_RES, MIN_RES, find_hotspots  # noqa: E402
from geo.pattern.regions import scan  # noqa: E402
from geo.repo.incidents import IncidentFilter  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/crossings"


def _times(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    out, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        out.append((time.perf_counter() - start) * 1000)
    return out, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    engine = create_engine(to_sqlalchemy_url(os.environ.get("DATABASE_URL", DEFAULT_URL)))
    flt = IncidentFilter()
    rows = []
    with engine.connect() as conn:
        for res in range(MIN_RES, MAX_RES + 1):
            scan_ms, data = _times(lambda r=res: scan(conn, flt=flt, resolution=r), args.repeat)
            gi_ms, spots = _times(lambda d=data, r=res: find_hotspots(d.groups, resolution=r), 3)
            all_ms, _ = _times(lambda r=res: global_pattern(conn, flt=flt, resolution=r), 3)
            rows.append(
                {
                    "res": res,
                    "incidents": data.total().incidents,
                    "cells_tested": spots.cells_tested,
                    "hot_cells": len(spots.hot),
                    "scan_p50_ms": round(statistics.median(scan_ms), 1),
                    "gi_star_p50_ms": round(statistics.median(gi_ms), 1),
                    "total_p50_ms": round(statistics.median(all_ms), 1),
                    "total_max_ms": round(max(all_ms), 1),
                }
            )
    engine.dispose()
    header = list(rows[0])
    print("  ".join(f"{h:>14}" for h in header))
    for row in rows:
        print("  ".join(f"{row[h]!s:>14}" for h in header))
    print(json.dumps({"cpus": os.cpu_count(), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
