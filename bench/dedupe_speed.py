"""Deduplication speed when one origin is dense: the sample plus N SYNTHETIC rows of one file.

Creates its own database (``crossings_dedupe_speed`` by default), migrates it, loads the
reference layers, imports the two bundled MMP sample files and then ``--rows`` SYNTHETIC rows
(``bench/ingest.py``'s generator: one file, so one origin) with ``run_import``, which does not
link events. Then times one full ``dedupe_events`` run (written, then rolled back: each run
starts from the same state), prints a table and JSON (also bench/results/dedupe_speed.json)
and drops the database unless ``--keep``. ``--reuse`` skips the set-up when the database exists.

The synthetic rows describe no real events; every row says so in its Information Source.

    .venv/bin/python bench/dedupe_speed.py --rows 100000 --keep
    .venv/bin/python bench/dedupe_speed.py --rows 100000 --reuse --keep
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import geo.dedupe  # noqa: E402
from api.settings import to_sqlalchemy_url  # noqa: E402
from bench.ingest import synthetic_csv  # noqa: E402
from bench.scratch import load_average, machine_speed, publish, scratch_database  # noqa: E402
from geo.db import create_engine  # noqa: E402
from geo.dedupe import dedupe_events, find_candidates  # noqa: E402
from geo.migrate import upgrade  # noqa: E402

SAMPLES = [
    ROOT / "data" / "sample" / "mmp_export_2014_2017.csv",
    ROOT / "data" / "sample" / "mmp_current_layout_2014.csv",
]
RESULTS = ROOT / "bench" / "results" / "dedupe_speed.json"


def _set_up(engine: sa.Engine, rows: int) -> dict[str, Any]:
    from boundaries.load import load_boundaries
    from geo.importers import run_import

    out: dict[str, Any] = {}
    with engine.begin() as conn:
        load_boundaries(conn, if_changed=True)
    for path in SAMPLES:
        report = run_import(engine, importer="mmp", path=path)
        assert report.status == "succeeded", report.error
    with tempfile.TemporaryDirectory(prefix="crossings-bench-") as tmp:
        path = Path(tmp) / f"synthetic_mmp_{rows}.csv"
        synthetic_csv(path, rows)
        big = run_import(engine, importer="mmp", path=path)
        assert big.status == "succeeded", big.error
        out["synthetic_import_s"] = round(big.seconds, 2)
        out["synthetic_inserted"] = big.inserted
    return out


def _timed_run(engine: sa.Engine, **kwargs: Any) -> dict[str, Any]:
    """One dedupe run with writes, rolled back so that every run starts from the same state;
    then, apart, how much of it finding candidates and scoring them in Python take."""
    with engine.connect() as conn:
        tx = conn.begin()
        try:
            t0 = time.perf_counter()
            report = dedupe_events(conn, **kwargs)
            seconds = time.perf_counter() - t0
        finally:
            tx.rollback()
    scoring = [0.0]
    score_pair = geo.dedupe.score_pair

    def timed_score(*args: Any) -> Any:
        t = time.perf_counter()
        try:
            return score_pair(*args)
        finally:
            scoring[0] += time.perf_counter() - t

    geo.dedupe.score_pair = timed_score  # type: ignore[assignment]
    with engine.connect() as conn:
        tx = conn.begin()
        try:
            t0 = time.perf_counter()
            find_candidates(conn, sources=kwargs.get("sources"))
            candidates = time.perf_counter() - t0
        finally:
            tx.rollback()
            geo.dedupe.score_pair = score_pair
    return {
        "seconds": round(seconds, 2),
        "find_candidates_s": round(candidates, 2),
        "of_which_scoring_s": round(scoring[0], 2),
        "records": report.records,
        "candidate_pairs": report.candidate_pairs,
        "matched_pairs": report.matched_pairs,
        "groups": len(report.groups),
        "linked_records": report.linked_records,
        "events": report.events,
        "summary": report.summary().splitlines()[0].rsplit(" (", 1)[0],
    }


def run(rows: int, db_name: str, keep: bool, reuse: bool) -> dict[str, Any]:
    results: dict[str, Any] = {"rows": rows, "database": db_name, "cpus": os.cpu_count()}
    results["load_average_before"] = load_average()
    with scratch_database(db_name, keep=keep, reuse=reuse) as scratch:
        upgrade(to_sqlalchemy_url(scratch.url))
        engine = create_engine(to_sqlalchemy_url(scratch.url))
        if not scratch.reused:
            results["setup"] = _set_up(engine, rows)
        with engine.connect() as c:
            results["incidents"] = c.execute(sa.text("SELECT count(*) FROM incidents")).scalar_one()
        results["machine_speed"] = machine_speed(engine)
        results["full"] = _timed_run(engine)
        engine.dispose()
    results["load_average_after"] = load_average()
    return results


def table(r: dict[str, Any]) -> str:
    f = r["full"]
    lines = [
        f"{'measure':<44}{'value':>14}",
        f"{'incidents in the database':<44}{r['incidents']:>14,}",
        f"{'  of which SYNTHETIC (one origin)':<44}{r['rows']:>14,}",
        f"{'dedupe, all sources, s':<44}{f['seconds']:>14}",
        f"{'  find candidates (SQL, load, score), s':<44}{f['find_candidates_s']:>14}",
        f"{'    of which scoring in Python, s':<44}{f['of_which_scoring_s']:>14}",
        f"{'  located, dated records':<44}{f['records']:>14,}",
        f"{'  candidate pairs':<44}{f['candidate_pairs']:>14,}",
        f"{'  at or above threshold':<44}{f['matched_pairs']:>14,}",
        f"{'  groups / linked records':<44}{f['groups']:>7,} / {f['linked_records']:<5,}",
    ]
    if "setup" in r:
        lines.append(
            f"{'synthetic import (no dedupe), s':<44}{r['setup']['synthetic_import_s']:>14}"
        )
    before, after = r["load_average_before"][0], r["load_average_after"][0]
    lines.append(f"{'load average (1 min) before / after':<44}{before:>7} / {after:<5}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="synthetic rows (100,000)")
    parser.add_argument("--database", default="crossings_dedupe_speed", help="scratch database")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept database as it is")
    args = parser.parse_args()
    results = run(args.rows, args.database, args.keep, args.reuse)
    publish(results, table(results), RESULTS)


if __name__ == "__main__":
    main()
