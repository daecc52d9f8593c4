"""Vector tile and export timings on a set-up database (the bundled MMP sample by default).

Times each tile layer at zoom 6 over the Central Mediterranean (34/25, the sample's densest
tile) and at zoom 0 (the world), ``--runs`` times each, through the whole app in process (httpx
on ASGI: routing, parameter parsing, PostGIS, response) and through ``geo.tiles`` alone; then
one CSV and one GeoParquet export of every event. Prints a table and JSON (also
bench/results/tiles.json). The data is whatever ``DATABASE_URL`` holds: run ``make setup`` first
for the real sample (no synthetic rows are added here; the JSON records the event count).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/crossings_h .venv/bin/python bench/tiles.py
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.app import create_app  # noqa: E402
from api.settings import Settings  # noqa: E402
from bench.scratch import load_average, machine_speed, publish  # noqa: E402
from geo import tiles  # noqa: E402
from geo.db import create_engine  # noqa: E402
from geo.repo.incidents import IncidentFilter, count_incidents  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "tiles.json"
TILES = {"z6 34/25": tiles.Tile(6, 34, 25), "z0 0/0": tiles.Tile(0, 0, 0)}


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 2),
    }


async def _http(settings: Settings, runs: int) -> dict[str, Any]:
    app = create_app(settings)
    out: dict[str, Any] = {}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for label, tile in TILES.items():
                for layer in tiles.LAYERS:
                    url = f"/tiles/{layer}/{tile.z}/{tile.x}/{tile.y}.mvt"
                    samples, size = [], 0
                    for _ in range(runs + 1):  # the first warms the pool and caches
                        t0 = time.perf_counter()
                        response = await client.get(url)
                        samples.append(time.perf_counter() - t0)
                        size = len(response.content)
                    out[f"{layer} {label}"] = {**_ms(samples[1:]), "bytes": size}
            for fmt in ("csv", "parquet"):
                t0 = time.perf_counter()
                response = await client.get("/incidents", params={"f": fmt})
                out[f"export {fmt}"] = {
                    "seconds": round(time.perf_counter() - t0, 3),
                    "bytes": len(response.content),
                    "rows": int(response.headers["x-number-matched"]),
                }
    return out


def _in_process(settings: Settings, runs: int) -> dict[str, Any]:
    engine = create_engine(settings.sqlalchemy_url)
    out: dict[str, Any] = {}
    flt = IncidentFilter()
    with engine.connect() as conn:
        for label, tile in TILES.items():
            for layer in tiles.LAYERS:
                samples = []
                for _ in range(runs + 1):
                    t0 = time.perf_counter()
                    if layer == "incidents":
                        tiles.incidents_tile(conn, tile=tile, flt=flt)
                    elif layer == "hexagons":
                        tiles.hexagons_tile(conn, tile=tile, flt=flt)
                    else:
                        tiles.reference_tile(conn, tile=tile, layer=layer)
                    samples.append(time.perf_counter() - t0)
                out[f"{layer} {label}"] = _ms(samples[1:])
        events = count_incidents(conn, flt=flt)
    speed = machine_speed(engine)
    engine.dispose()
    return {"tiles": out, "events": events, "machine_speed": speed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    settings = Settings()
    local = _in_process(settings, args.runs)
    http = asyncio.run(_http(settings, args.runs))
    results = {
        "data": f"database {settings.database_url.rsplit('/', 1)[-1]}: "
        f"{local['events']} public events (the bundled MMP sample after make setup: real, "
        "not synthetic)",
        "runs": args.runs,
        "load_average": load_average(),
        "machine_speed": local["machine_speed"],
        "geo_tiles": local["tiles"],
        "http_in_process": http,
    }
    lines = [f"{'request':32} {'http p50':>9} {'http p95':>9} {'geo p50':>8} {'bytes':>9}"]
    for name, geo_ms in local["tiles"].items():
        h = http[name]
        lines.append(
            f"{name:32} {h['p50_ms']:>9} {h['p95_ms']:>9} {geo_ms['p50_ms']:>8} {h['bytes']:>9}"
        )
    for fmt in ("csv", "parquet"):
        e = http[f"export {fmt}"]
        lines.append(f"export {fmt:25} {e['seconds']:>8}s {e['rows']:>9} rows {e['bytes']:>9}")
    publish(results, "\n".join(lines), RESULTS)


if __name__ == "__main__":
    main()
