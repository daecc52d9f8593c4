"""Density clusters of one corridor of N SYNTHETIC incidents (target: 100k in ≤ 2 s).

Creates its own database (``crossings_bench_clusters``), migrates it, adds one corridor (the
Central Mediterranean box, 10-20°E 31-38°N) and ``--rows`` SYNTHETIC public incidents in it
(``source = 'synthetic-bench'``; they describe no real events). Then times
``geo.clusters.corridor_clusters`` (what ``/corridors/{slug}/clusters`` runs) at the default
parameters, best and median of ``--repeat`` runs, and its parts: the PostGIS read, the Python
work (DBSCAN, outlines, sums) and DBSCAN alone. Prints a table and JSON (also
bench/results/clusters.json).

Two layouts, both synthetic: ``places`` (default) puts events at a limited number of distinct
coordinates (``--places``, drawn around 40 hotspots with 11 km spread, 2% background), as
real reports repeat the coordinates of a town or a rescue area (the MMP sample: 3,995 events
at 2,423 distinct points); ``scattered`` gives (almost) every event its own coordinates, the
worst case for DBSCAN, whose work grows with the number of neighbour pairs.

    .venv/bin/python bench/clusters.py --rows 100000
    .venv/bin/python bench/clusters.py --rows 100000 --layout scattered --repeat 1
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.settings import to_sqlalchemy_url  # noqa: E402
from bench.scratch import load_average, machine_speed, publish, scratch_database  # noqa: E402
from geo import clusters  # noqa: E402
from geo.db import create_engine, raw_cursor  # noqa: E402
from geo.migrate import upgrade  # noqa: E402
from geo.repo.incidents import IncidentFilter  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "clusters.json"
SLUG = "synthetic-central-med"
BOX = (10.0, 31.0, 20.0, 38.0)


def synthetic_points(rows: int, *, layout: str, places: int, seed: int = 14) -> np.ndarray:
    """lon/lat of ``rows`` SYNTHETIC events: 98% around 40 hotspots (σ ≈ 11 km), 2% uniform."""
    rng = np.random.default_rng(seed)
    count = places if layout == "places" else rows
    lo, hi = np.array(BOX[:2]), np.array(BOX[2:])
    hot = rng.uniform(lo, hi, (40, 2))
    near = int(count * 0.98)
    spots = np.concatenate(
        [hot[rng.integers(0, 40, near)] + rng.normal(0, 0.1, (near, 2)),
         rng.uniform(lo, hi, (count - near, 2))]
    )  # fmt: skip
    spots = np.round(np.clip(spots, lo, hi), 4)
    return spots if layout == "scattered" else spots[rng.integers(0, len(spots), rows)]


def _fill(engine: sa.Engine, points: np.ndarray) -> None:
    with engine.begin() as conn:
        cid = conn.execute(
            sa.text(
                "INSERT INTO corridors (slug, name, kind, region, catalogue_version, geom) "
                "VALUES (:slug, 'Synthetic Central Mediterranean', 'sea', 'Mediterranean', "
                " 'synthetic', ST_Multi(ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326))) RETURNING id"
            ),
            {"slug": SLUG, "x0": BOX[0], "y0": BOX[1], "x1": BOX[2], "y1": BOX[3]},
        ).scalar_one()
        columns = (
            "source, source_id, row_hash, category, event_date, dead, missing, uncertainty_m, "
            "location_precision, corridor_id, raw, geom"
        )
        cursor = raw_cursor(conn)
        with cursor.copy(f"COPY incidents ({columns}) FROM STDIN") as copy:
            for n, (lon, lat) in enumerate(points.tolist()):
                copy.write_row(
                    ("synthetic-bench", str(n), f"synthetic-{n}", "death",
                     date(2014, 1, 1) + timedelta(days=n % 3650), n % 7, n % 3, 5000.0,
                     "locality", cid, '{"synthetic": true}', f"SRID=4326;POINT({lon} {lat})")
                )  # fmt: skip
        conn.execute(sa.text("ANALYZE incidents"))


def _time_once(engine: sa.Engine) -> dict[str, float]:
    """The whole call, then its parts one by one."""
    params = clusters.ClusterParams()
    flt = IncidentFilter(corridor=SLUG)
    with engine.connect() as conn:
        t0, cpu0 = time.perf_counter(), time.process_time()
        result = clusters.corridor_clusters(conn, slug=SLUG, flt=flt, params=params)
        total, cpu = time.perf_counter() - t0, time.process_time() - cpu0

        t0 = time.perf_counter()
        events = clusters.load_events(conn, flt)[SLUG]
        read = time.perf_counter() - t0
    t0 = time.perf_counter()
    clusters.cluster_corridor(SLUG, "Mediterranean", events, params)
    in_python = time.perf_counter() - t0
    placed = ~np.isnan(events.lon)
    coords = np.column_stack([events.lon[placed], events.lat[placed]])
    t0 = time.perf_counter()
    clusters.density_labels(coords, params)
    dbscan = time.perf_counter() - t0
    return {
        "total_s": total,
        "total_cpu_s": cpu,
        "read_s": read,
        "python_s": in_python,
        "dbscan_s": dbscan,
        "clusters": len(result.clusters),
        "clustered": result.clustered.incidents,
        "noise": result.noise.incidents,
        "distinct_places": len(np.unique(coords, axis=0)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--layout", choices=("places", "scattered"), default="places")
    parser.add_argument("--places", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    with scratch_database("crossings_bench_clusters", keep=args.keep) as scratch:
        url = to_sqlalchemy_url(scratch.url)
        upgrade(url)
        engine = create_engine(url)
        try:
            _fill(engine, synthetic_points(args.rows, layout=args.layout, places=args.places))
            speed = machine_speed(engine)
            runs = [_time_once(engine) for _ in range(args.repeat)]
        finally:
            engine.dispose()

    def stat(key: str) -> dict[str, float]:
        values = [r[key] for r in runs]
        return {"best": round(min(values), 3), "median": round(statistics.median(values), 3)}

    results: dict[str, Any] = {
        "data": "SYNTHETIC",
        "rows": args.rows,
        "layout": args.layout,
        "distinct_places": runs[0]["distinct_places"],
        "parameters": {"eps_km": clusters.EPS_KM[2], "min_incidents": clusters.MIN_INCIDENTS[2]},
        "clusters": runs[0]["clusters"],
        "clustered": runs[0]["clustered"],
        "noise": runs[0]["noise"],
        "seconds": {
            k: stat(k) for k in ("total_s", "total_cpu_s", "read_s", "python_s", "dbscan_s")
        },
        "target_total_s": 2.0,
        "machine_speed": speed,
        "load_average": load_average(),
    }
    lines = [
        f"clusters of one corridor, {args.rows:,} SYNTHETIC incidents ({args.layout}, "
        f"{results['distinct_places']:,} distinct places): {results['clusters']} clusters",
        f"{'part':<12}{'best s':>10}{'median s':>10}",
    ]
    for key, value in results["seconds"].items():
        lines.append(f"{key.removesuffix('_s'):<12}{value['best']:>10}{value['median']:>10}")
    publish(results, "\n".join(lines), RESULTS)


if __name__ == "__main__":
    main()
