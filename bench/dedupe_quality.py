"""Deduplication quality: pairwise precision and recall on the synthetic fixture.

Usage (after ``make setup``): ``.venv/bin/python bench/dedupe_quality.py [--seeds 8] [--json]``.

Everything happens in one transaction that is rolled back: the database is left as it was.
The committed fixture (tests/fixtures/dedupe_records.csv: real MMP records plus made-up
second-source versions) is loaded as sources ``fixture-a``/``fixture-b`` and matched at several
thresholds; ``--seeds N`` also regenerates N other fixtures (seeds 1..N) to show the spread.
The last block counts the groups the bundled MMP sample gives (two exports that overlap), without
storing them. Prints a table, then the JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo.db import create_engine  # noqa: E402
from geo.dedupe import THRESHOLD, dedupe_events, pair_quality  # noqa: E402
from tests.fixtures import dedupe_fixture as fixture  # noqa: E402

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/crossings"
THRESHOLDS = (0.65, 0.70, 0.75, 0.80, 0.85)


def _sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _as_text(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{k: "" if v is None else str(v) for k, v in r.items()} for r in rows]


def _evaluate(conn: Any, rows: list[dict[str, str]]) -> dict[str, Any]:
    savepoint = conn.begin_nested()
    try:
        truth = fixture.load(conn, rows)
        pairs = fixture.true_pairs(truth)
        out: dict[str, Any] = {"records": len(rows), "true_pairs": len(pairs), "by_threshold": {}}
        for threshold in THRESHOLDS:
            report = dedupe_events(conn, sources=fixture.SOURCES, threshold=threshold, write=False)
            groups = ([m.id for m in g.members] for g in report.groups)
            out["by_threshold"][f"{threshold:.2f}"] = pair_quality(groups, pairs).to_dict()
        return out
    finally:
        savepoint.rollback()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=0, help="also evaluate N regenerated fixtures")
    parser.add_argument("--json", action="store_true", help="print only the JSON")
    args = parser.parse_args()
    engine = create_engine(_sqlalchemy_url(os.environ.get("DATABASE_URL", DEFAULT_URL)))
    result: dict[str, Any] = {"default_threshold": THRESHOLD}
    try:
        with engine.connect() as conn:
            tx = conn.begin()
            try:
                result["fixture"] = _evaluate(conn, fixture.read())
                result["seeds"] = {
                    str(seed): _evaluate(conn, _as_text(fixture.make(seed)))
                    for seed in range(1, args.seeds + 1)
                }
                real = dedupe_events(conn, sources=["iom-mmp"], write=False)
                result["mmp_sample"] = {
                    "records": real.records,
                    "groups": len(real.groups),
                    "events": real.events,
                    "candidate_pairs": real.candidate_pairs,
                    "ambiguous": real.ambiguous,
                }
            finally:
                tx.rollback()
    finally:
        engine.dispose()
    if not args.json:
        print(_table(result))
        print()
    print(json.dumps(result, indent=2))


def _table(result: dict[str, Any]) -> str:
    fx = result["fixture"]
    lines = [
        f"committed fixture: {fx['records']} records, {fx['true_pairs']} true pairs "
        f"(default threshold {result['default_threshold']:.2f})",
        f"{'threshold':>9}  {'precision':>9}  {'recall':>6}  {'predicted':>9}  {'correct':>7}",
    ]
    for t, q in fx["by_threshold"].items():
        lines.append(
            f"{t:>9}  {q['precision']:>9.3f}  {q['recall']:>6.3f}  "
            f"{q['predicted_pairs']:>9}  {q['correct_pairs']:>7}"
        )
    if result["seeds"]:
        lines += ["", f"{len(result['seeds'])} regenerated fixtures (mean / min):"]
        for t in fx["by_threshold"]:
            p = [s["by_threshold"][t]["precision"] for s in result["seeds"].values()]
            r = [s["by_threshold"][t]["recall"] for s in result["seeds"].values()]
            lines.append(
                f"{t:>9}  precision {statistics.mean(p):.3f} / {min(p):.3f}  "
                f"recall {statistics.mean(r):.3f} / {min(r):.3f}"
            )
    real = result["mmp_sample"]
    lines += [
        "",
        f"MMP sample: {real['records']:,} located, dated records -> {real['groups']} groups "
        f"({real['events']:,} events); {real['ambiguous']} ambiguous pairs left unlinked",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
