"""What an ``/ogc`` (and ``/incidents``) items page costs, and how much of it is the exact
``numberMatched`` count, on N SYNTHETIC incidents.

Creates its own database (``crossings_bench_ogc``), migrates it and inserts ``--rows`` SYNTHETIC
incidents with one INSERT … SELECT (fixed seed; 60% in a Mediterranean box, the rest anywhere;
dates 2014–2023; ``source = 'synthetic-bench'``, ``source_name`` says SYNTHETIC). They describe no
real events. Then, for each scenario, the median and p95 over ``--repeat`` runs of:

- ``page``: the rows of one page of 100 (the keyset query alone),
- ``count``: the exact count of every match (what ``numberMatched`` costs),
- ``repository``: ``geo.repo.incidents.list_incidents`` (both, plus ``sources``),
- ``http``: ``GET /ogc/collections/incidents/items`` in-process (parsing, SQL, GeoJSON),
and ``GET /ogc/collections/incidents`` (its extent is computed on every request).

Prints a table and JSON (also bench/results/ogc_items.json); drops the database unless
``--keep``; ``--reuse`` keeps an existing one as it is.

    .venv/bin/python bench/ogc_items.py --rows 1000000 --keep
    .venv/bin/python bench/ogc_items.py --rows 1000000 --reuse
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.settings import Settings, to_sqlalchemy_url  # noqa: E402
from bench.scratch import load_average, publish, scratch_database  # noqa: E402
from geo.db import create_engine, load_sql  # noqa: E402
from geo.migrate import upgrade  # noqa: E402
from geo.repo import incidents as repo  # noqa: E402
from geo.repo.filters import parse_bbox  # noqa: E402

# One statement, seeded: the same rows on every run. SYNTHETIC, and every row says so.
SYNTHETIC_SQL = """
SELECT setseed(0.20140101);
INSERT INTO incidents (source, source_id, row_hash, category, event_date, date_precision,
                       dead, missing, geom, uncertainty_m, location_precision, country,
                       source_name, review_state, sensitivity, raw)
SELECT 'synthetic-bench', i::text, md5(i::text),
       (ARRAY['death','disappearance','pushback','violence'])[1 + i % 4],
       DATE '2014-01-01' + (i % 3650), 'day', (random() * 5)::int, (random() * 3)::int,
       CASE WHEN i % 10 < 6
            THEN ST_SetSRID(ST_MakePoint(5 + random() * 30, 30 + random() * 12), 4326)
            ELSE ST_SetSRID(ST_MakePoint(-180 + random() * 360, -60 + random() * 130), 4326)
       END,
       5000, 'locality', 'at_sea', 'SYNTHETIC benchmark row (no real event)', 'unreviewed',
       'public', '{"synthetic": true}'::jsonb
FROM generate_series(1, :rows) AS i;
"""

SCENARIOS = {
    "unfiltered first page": {},
    "bbox page (central Med box)": {"bbox": "10,32,20,38"},
    "bbox + category + year": {
        "bbox": "10,32,20,38",
        "category": "death",
        "datetime": "2016-01-01/2016-12-31",
    },
}


def _filter(params: dict[str, str]) -> repo.IncidentFilter:
    from geo.repo.filters import parse_categories, parse_datetime

    return repo.IncidentFilter(
        bbox=parse_bbox(params["bbox"]) if "bbox" in params else None,
        interval=parse_datetime(params["datetime"]) if "datetime" in params else None,
        categories=parse_categories(params["category"]) if "category" in params else (),
    )


def _times(work: Callable[[], object], repeat: int) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        work()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return {"p50_ms": round(statistics.median(samples), 1), "p95_ms": round(p95, 1)}


def _fill(engine: sa.Engine, rows: int) -> None:
    with engine.begin() as c:
        if c.execute(sa.text("SELECT count(*) FROM incidents")).scalar_one() >= rows:
            return
        c.execute(sa.text("DELETE FROM incidents WHERE source = 'synthetic-bench'"))
        statements = [s for s in SYNTHETIC_SQL.split(";") if s.strip()]
        for statement in statements:
            c.execute(sa.text(statement), {"rows": rows} if ":rows" in statement else {})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(sa.text("VACUUM ANALYZE incidents"))


def run(rows: int, repeat: int, keep: bool, reuse: bool) -> dict[str, Any]:
    import httpx
    from fastapi.testclient import TestClient

    from api.app import create_app

    results: dict[str, Any] = {
        "rows": rows,
        "synthetic": True,
        "repeat": repeat,
        "load_average_before": load_average(),
    }
    with scratch_database("crossings_bench_ogc", keep=keep, reuse=reuse) as scratch:
        url = to_sqlalchemy_url(scratch.url)
        upgrade(url)
        engine = create_engine(url)
        t0 = time.perf_counter()
        _fill(engine, rows)
        results["fill_s"] = round(time.perf_counter() - t0, 1)
        count_sql = load_sql("geo", "repo_incidents_count.sql")
        app = create_app(Settings(database_url=scratch.url))
        scenarios: dict[str, Any] = {}
        with TestClient(app) as client, engine.connect() as conn:
            # the collection's extent: one pass over the public events, on every request
            results["collection_incidents_http"] = _times(
                lambda: client.get("/ogc/collections/incidents").raise_for_status(), repeat
            )
            for name, params in SCENARIOS.items():
                flt = _filter(params)
                where, bound = repo.where_sql(conn, flt)
                page_sql = sa.text(
                    load_sql("geo", "repo_incidents.sql")
                    + where
                    + "\nORDER BY i.event_date, i.id\nLIMIT 101"
                )
                matched = conn.execute(sa.text(count_sql + where), bound).scalar_one()

                def http(p: dict[str, str] = params) -> None:
                    response = client.get("/ogc/collections/incidents/items", params=p)
                    if response.status_code != 200:
                        raise httpx.HTTPError(response.text)

                scenarios[name] = {
                    "matched": matched,
                    "page": _times(lambda s=page_sql, b=bound: conn.execute(s, b).all(), repeat),
                    "count": _times(
                        lambda w=where, b=bound: conn.execute(sa.text(count_sql + w), b).one(),
                        repeat,
                    ),
                    "repository": _times(
                        lambda f=flt: repo.list_incidents(conn, flt=f, limit=100), repeat
                    ),
                    "http": _times(http, repeat),
                }
        engine.dispose()
    results["scenarios"] = scenarios
    results["load_average_after"] = load_average()
    return results


def table(r: dict[str, Any]) -> str:
    lines = [
        f"OGC items, page of 100, on {r['rows']:,} SYNTHETIC incidents "
        f"(p50 / p95 ms over {r['repeat']} runs)",
        f"{'scenario':32} {'matched':>9} {'page':>13} {'count':>13} {'repository':>13} "
        f"{'http':>13}",
    ]
    for name, s in r["scenarios"].items():

        def cell(key: str, s: dict[str, Any] = s) -> str:
            return f"{s[key]['p50_ms']:.1f}/{s[key]['p95_ms']:.1f}"

        lines.append(
            f"{name:32} {s['matched']:>9,} {cell('page'):>13} {cell('count'):>13} "
            f"{cell('repository'):>13} {cell('http'):>13}"
        )
    extent = r["collection_incidents_http"]
    lines.append(
        f"GET /ogc/collections/incidents (extent over every public event): "
        f"{extent['p50_ms']:.1f}/{extent['p95_ms']:.1f}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse the database if it exists")
    args = parser.parse_args()
    results = run(args.rows, args.repeat, args.keep, args.reuse)
    publish(results, table(results), ROOT / "bench" / "results" / "ogc_items.json")


if __name__ == "__main__":
    main()
