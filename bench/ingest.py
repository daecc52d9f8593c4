"""Import throughput: the bundled MMP sample through the CLI, and N SYNTHETIC rows in-process.

Creates its own database (``crossings_bench`` by default), migrates it, loads the reference
layers, measures, prints a table and JSON (also written to bench/results/ingest.json) and drops
the database unless ``--keep``.

The large file is SYNTHETIC: rows in the MMP older layout, generated here with a fixed seed, with
points clustered along real migration routes plus some global noise. They describe no real
events; every row says so in its Information Source.

    .venv/bin/python bench/ingest.py                # 1,000,000 synthetic rows, three runs
    .venv/bin/python bench/ingest.py --rows 100000 --repeat 1 --keep

Runs on this kind of machine vary by ±15% from one to the next (the previous run's data still
being written out, other tenants of the host), so a single run is a sample, not a figure: the
file is imported ``--repeat`` times (3), each into a fresh copy of the database, every run is
listed and the median is the figure.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.settings import to_sqlalchemy_url  # noqa: E402
from bench.scratch import (  # noqa: E402
    CpuMeter,
    database_copies,
    load_average,
    machine_speed,
    publish,
    scratch_database,
)
from geo.db import create_engine  # noqa: E402
from geo.migrate import upgrade  # noqa: E402

SAMPLE = ROOT / "data" / "sample" / "mmp_export_2014_2017.csv"
RESULTS = ROOT / "bench" / "results" / "ingest.json"
TARGET_SAMPLE_S = 5.0
TARGET_ROWS_PER_S = 20_000

HEADER = [
    "Region of Incident", "Reported Date", "Reported Year", "Reported Month", "Number Dead",
    "Minimum Estimated Number of Missing", "Total Dead and Missing", "Number of Survivors",
    "Number of Females", "Number of Males", "Number of Children", "Cause of Death",
    "Location Description", "Information Source", "Location Coordinates", "Migration Route",
    "UNSD Geographical Grouping", "Source Quality",
]  # fmt: skip

# (route, region, UNSD group, weight, waypoints as (lat, lon)) — real corridors, coarse lines.
ROUTES: list[tuple[str, str, str, float, list[tuple[float, float]]]] = [
    ("Central America to US", "US-Mexico Border", "Northern America", 0.25,
     [(31.33, -111.0), (31.6, -112.5), (32.0, -113.5), (32.7, -115.0), (29.5, -104.5),
      (27.5, -99.5), (26.0, -97.5)]),
    ("Central Mediterranean", "Mediterranean", "Uncategorized", 0.18,
     [(32.9, 12.5), (33.8, 12.2), (35.5, 12.6), (36.8, 14.5)]),
    ("Eastern Mediterranean", "Mediterranean", "Uncategorized", 0.07,
     [(38.9, 26.7), (39.2, 26.3), (37.7, 27.0), (36.9, 27.3)]),
    ("Western Mediterranean", "Mediterranean", "Uncategorized", 0.06,
     [(35.8, -5.8), (36.0, -5.5), (35.3, -3.0), (36.7, -2.0)]),
    ("Western African Atlantic route", "North Africa", "Western Africa", 0.07,
     [(14.7, -17.4), (20.9, -17.1), (24.0, -16.0), (27.9, -15.4)]),
    ("Sahara Desert crossing", "North Africa", "Northern Africa", 0.12,
     [(16.97, 7.99), (19.5, 11.0), (23.0, 13.5), (27.0, 14.4)]),
    ("Horn of Africa to Yemen", "Horn of Africa", "Eastern Africa", 0.06,
     [(11.3, 49.2), (12.0, 47.0), (12.8, 45.0), (13.4, 43.5)]),
    ("Darien Gap", "Central America", "Central America", 0.05,
     [(8.0, -77.4), (8.5, -77.6), (8.9, -78.0)]),
    ("English Channel to the UK", "Europe", "Northern Europe", 0.04,
     [(50.95, 1.85), (51.05, 1.6), (51.1, 1.3)]),
    ("Western Balkans", "Europe", "Southern Europe", 0.05,
     [(45.2, 15.8), (44.8, 19.2), (46.1, 19.7), (41.1, 22.5)]),
]  # fmt: skip
CAUSES = ["Drowning", "Harsh environmental conditions", "Vehicle accident", "Violence",
          "Sickness and lack of access to medicines", "Unknown"]  # fmt: skip
NOISE_SHARE = 0.05


def synthetic_csv(path: Path, rows: int, seed: int = 20140101) -> None:
    """Write ``rows`` SYNTHETIC incidents in the MMP older layout."""
    rnd = random.Random(seed)
    weights = [r[3] for r in ROUTES]
    start = dt.date(2014, 1, 1).toordinal()
    span = dt.date(2023, 12, 31).toordinal() - start
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        batch: list[list[str]] = []
        for i in range(rows):
            if rnd.random() < NOISE_SHARE:
                route, region, unsd = "NULL", "Global (synthetic noise)", "Uncategorized"
                lat, lon = rnd.uniform(-45, 60), rnd.uniform(-120, 150)
            else:
                route, region, unsd, _, pts = rnd.choices(ROUTES, weights)[0]
                k = rnd.randrange(len(pts) - 1)
                t = rnd.random()
                (a_lat, a_lon), (b_lat, b_lon) = pts[k], pts[k + 1]
                lat = a_lat + t * (b_lat - a_lat) + rnd.gauss(0, 0.15)
                lon = a_lon + t * (b_lon - a_lon) + rnd.gauss(0, 0.15)
            day = dt.date.fromordinal(start + rnd.randrange(span))
            dead = 1 if rnd.random() < 0.7 else rnd.randint(0, 40)
            missing = "NULL" if rnd.random() < 0.85 else str(rnd.randint(1, 60))
            total = dead + (0 if missing == "NULL" else int(missing))
            coords = f"{lat:.6f}, {lon:.6f}" if rnd.random() > 0.005 else "NULL"
            batch.append([
                region, f"{day.day}-{day:%b-%y}", str(day.year), f"{day:%b}", str(dead), missing,
                str(total), "NULL" if rnd.random() < 0.8 else str(rnd.randint(0, 200)),
                "NULL", str(rnd.randint(0, 2)), "NULL", rnd.choice(CAUSES),
                f"Synthetic location {i} near {route}", "SYNTHETIC benchmark row (not real data)",
                coords, route, unsd, str(rnd.randint(1, 5)),
            ])  # fmt: skip
            if len(batch) == 10_000:
                writer.writerows(batch)
                batch.clear()
        writer.writerows(batch)


def _cli(url: str, *args: str) -> tuple[float, dict[str, Any]]:
    crossings = Path(sys.executable).with_name("crossings")
    cmd = [str(crossings), "--database-url", url, *args, "--json"]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return time.perf_counter() - t0, json.loads(out.stdout)


def _synthetic_run(url: str, path: Path) -> dict[str, Any]:
    """One timed in-process import of the synthetic file into the database at ``url``."""
    from geo.importers import run_import

    engine = create_engine(to_sqlalchemy_url(url))
    try:
        meter = CpuMeter()
        with meter.measure():
            big = run_import(engine, importer="mmp", path=path)
    finally:
        engine.dispose()
    assert big.status == "succeeded", big.error
    return {
        "seconds": round(big.seconds, 2),
        "rows_per_s": round(big.rows_read / big.seconds),
        "rows_per_s_without_enrich": round(
            big.rows_read / (big.seconds - big.timings.get("enrich", 0.0))
        ),
        "rows_read": big.rows_read,
        "inserted": big.inserted,
        "rejected": big.rejected,
        "enriched": big.enriched,
        "timings": {k: round(v, 2) for k, v in big.timings.items()},
        "warning_counts": big.warning_counts(),
        "cpu": meter.summary(),
    }


def run(rows: int, db_name: str, keep: bool, repeat: int = 3) -> dict[str, Any]:
    from boundaries.load import load_boundaries

    results: dict[str, Any] = {"rows": rows, "database": db_name, "cpus": os.cpu_count()}
    results["load_average_before"] = load_average()
    with scratch_database(db_name, keep=keep) as scratch:
        url = scratch.url
        upgrade(to_sqlalchemy_url(url))
        engine = create_engine(to_sqlalchemy_url(url))
        with engine.connect() as c:  # the server settings the figures depend on
            results["server"] = {
                name: c.execute(sa.text(f"SHOW {name}")).scalar_one()
                for name in ("server_version", "shared_buffers", "max_wal_size",
                             "max_parallel_workers", "max_parallel_maintenance_workers")
            }  # fmt: skip
        t0 = time.perf_counter()
        with engine.begin() as conn:
            load_boundaries(conn, if_changed=True)
        results["boundaries_s"] = round(time.perf_counter() - t0, 2)
        results["machine_speed"] = machine_speed(engine)
        seconds, report = _cli(url, "import", "mmp", str(SAMPLE))
        results["sample"] = {
            "file": SAMPLE.name,
            "end_to_end_s": round(seconds, 2),
            "in_process_s": report["seconds"],
            "rows_read": report["rows_read"],
            "inserted": report["inserted"],
            "rejected": report["rejected"],
            "rejection_counts": report["rejection_counts"],
            "warning_counts": report["warning_counts"],
            "timings": report["timings"],
        }
        seconds, report = _cli(url, "import", "mmp", str(SAMPLE))
        results["sample_again_skipped_s"] = round(seconds, 2)
        seconds, report = _cli(url, "import", "mmp", str(SAMPLE), "--force")
        results["sample_forced_s"] = round(seconds, 2)
        results["sample_forced_inserted_updated"] = [report["inserted"], report["updated"]]

        # Each run imports into a database of its own, copied before any run from the one the
        # sample went into, so every run starts from the same state.
        engine.dispose()
        copies = [f"{db_name}_run{i}" for i in range(2, repeat + 1)]
        with (
            tempfile.TemporaryDirectory(prefix="crossings-bench-") as tmp,
            database_copies(db_name, copies) as urls,
        ):
            path = Path(tmp) / f"synthetic_mmp_{rows}.csv"
            t0 = time.perf_counter()
            synthetic_csv(path, rows)
            results["generate_s"] = round(time.perf_counter() - t0, 2)
            results["file_mb"] = round(path.stat().st_size / 1e6, 1)
            runs = [_synthetic_run(run_url, path) for run_url in [url, *urls]]
        results["synthetic_runs"] = runs
        # The median run (the slower middle one for an even count) stands for the figure.
        results["synthetic"] = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    results["load_average_after"] = load_average()
    results["targets"] = {
        "sample_end_to_end_s": TARGET_SAMPLE_S,
        "synthetic_rows_per_s": TARGET_ROWS_PER_S,
        "sample_met": results["sample"]["end_to_end_s"] < TARGET_SAMPLE_S,
        "synthetic_met": results["synthetic"]["rows_per_s"] >= TARGET_ROWS_PER_S,
    }
    return results


def _median_of(r: dict[str, Any]) -> str:
    n = len(r["synthetic_runs"])
    return f" (median of {n})" if n > 1 else ""


def table(r: dict[str, Any]) -> str:
    s, y = r["sample"], r["synthetic"]
    lines = [
        f"{'measure':<44}{'value':>14}",
        f"{'sample end to end (CLI), s':<44}{s['end_to_end_s']:>14}",
        f"{'sample in process, s':<44}{s['in_process_s']:>14}",
        f"{'sample rows read / rejected':<44}{s['rows_read']:>8} / {s['rejected']:<4}",
        f"{'sample re-import (skipped), s':<44}{r['sample_again_skipped_s']:>14}",
        f"{'sample --force, s':<44}{r['sample_forced_s']:>14}",
        f"{'synthetic rows (SYNTHETIC data)':<44}{y['rows_read']:>14,}",
        f"{'synthetic import, s' + _median_of(r):<44}{y['seconds']:>14}",
        f"{'synthetic rows/s (incl. enrichment)':<44}{y['rows_per_s']:>14,}",
        f"{'synthetic rows/s (without enrichment)':<44}{y['rows_per_s_without_enrich']:>14,}",
    ]
    for stage, secs in y["timings"].items():
        lines.append(f"{'  ' + stage + ', s':<44}{secs:>14}")
    runs = r["synthetic_runs"]
    if len(runs) > 1:
        seconds = ", ".join(str(run["seconds"]) for run in runs)
        lines.append(f"{'  every run in order, s':<44}{seconds:>14}")
    cpu = y["cpu"]
    lines.append(
        f"{'machine CPU busy / capacity, core-s':<44}"
        f"{cpu['machine_busy_cpu_s']:>7} / {cpu['capacity_cpu_s']:<6}"
    )
    for name, secs in r["machine_speed"].items():
        lines.append(f"{'machine speed: ' + name.removesuffix('_s') + ', s':<44}{secs:>14}")
    before, after = r["load_average_before"][0], r["load_average_after"][0]
    lines.append(f"{'load average (1 min) before / after':<44}{before:>7} / {after:<5}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="synthetic rows (1,000,000)")
    parser.add_argument("--database", default="crossings_bench", help="scratch database name")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="import the synthetic file this many times, each into a fresh copy of the database"
        " (the median run is the figure; every run is listed; 3)",
    )
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    results = run(args.rows, args.database, args.keep, args.repeat)
    publish(results, table(results), RESULTS)


if __name__ == "__main__":
    main()
