"""Country agreement: how often the computed country agrees with what the record itself names.

Usage (after ``make setup`` and ``crossings db upgrade``)::

    .venv/bin/python bench/country_agreement.py [--dry-run | --apply] [--json] [--examples N]

Runs the placement checks (``geo.quality.check_placements``) on every incident of the database
at ``DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/crossings``) and prints the
share of located incidents whose computed country agrees with the country their location text
names (or, when it names none, with their region), before and after the swapped-coordinate
fixes, then the fixes and the flags by check, and the whole report as JSON.

``--dry-run`` (the default) writes nothing: the pass runs in a transaction that is rolled back.
``--apply`` commits the fixes and flags.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import sqlalchemy as sa

from geo.db import create_engine
from geo.quality import QualityReport, check_placements

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/crossings"


def _sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def table(report: QualityReport, examples: int) -> str:
    """The figures for people: agreement before/after, fixes, flags by check, examples."""
    lines = [
        f"{'':28}{'before':>18}{'after':>18}",
    ]
    rows: list[tuple[str, str, str]] = [
        ("named country, exact", "named_exact", "named"),
        ("named country, in tolerance", "named_agree", "named"),
        ("region only (no country)", "region_agree", "region_only"),
    ]
    for label, part, whole in rows:
        cells = []
        for stats in (report.agreement_before, report.agreement_after):
            n, d = stats[part], stats[whole]
            cells.append(f"{n}/{d} {100 * n / d:5.1f}%" if d else "n/a")
        lines.append(f"{label:28}{cells[0]:>18}{cells[1]:>18}")
    lines.append("")
    lines.append(f"swapped coordinates fixed: {len(report.fixed)}")
    for row in report.fixed[:examples]:
        lines.append(
            f"  {row['location_text'][:50]:50} {row['country_before']} -> {row['country_after']}"
        )
    lines.append(f"records flagged: {len(report.flagged)}")
    for check, n in report.flagged_by_check.items():
        lines.append(f"  {check:28}{n:>6}")
    lines.append("write: " + ("applied" if report.write else "dry run, nothing written"))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="write nothing (default)")
    mode.add_argument("--apply", action="store_true", help="commit the fixes and flags")
    parser.add_argument("--json", action="store_true", help="print only the JSON")
    parser.add_argument("--examples", type=int, default=10, help="fixes to list (default 10)")
    args = parser.parse_args()
    engine = create_engine(_sqlalchemy_url(os.environ.get("DATABASE_URL", DEFAULT_URL)))
    try:
        with engine.connect() as conn:
            has_column = conn.execute(
                sa.text(
                    "SELECT EXISTS (SELECT 1 FROM information_schema.columns"
                    " WHERE table_name = 'incidents' AND column_name = 'quality_flags')"
                )
            ).scalar_one()
            if not has_column:
                print(
                    "incidents.quality_flags is missing: run `crossings db upgrade`",
                    file=sys.stderr,
                )
                return 2
            report = check_placements(conn, write=args.apply)
            if args.apply:
                conn.commit()
            else:
                conn.rollback()
    finally:
        engine.dispose()
    out: dict[str, Any] = report.to_dict()
    if not args.json:
        print(table(report, args.examples))
        print()
    print(json.dumps(out, indent=2, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
