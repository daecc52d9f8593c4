"""API load benchmark: latency percentiles and requests/s under concurrent clients.

    .venv/bin/python bench/api.py                               # the make-setup database
    .venv/bin/python bench/api.py --database crossings_bench    # 1M SYNTHETIC incidents, as
        # built by `bench/ingest.py --keep` (its data is synthetic and labelled so)
    .venv/bin/python bench/api.py --tipg                        # and tipg on the same table

Starts `crossings serve --workers N` on a free loopback port against the database, then drives
it with `wrk` (Debian package; installed when missing, as root) from a second process: every
scenario runs for `--duration` seconds with `--clients` open connections, each request loop
bounded by that time. Scenarios:

- `repeat_*`: one URL asked again and again — what maps and embeds do; served from the
  response cache after the first request (docs/api.md, "Caching"), which is made once, waited
  for, before the clients start (its time is reported as `first_s`);
- `bbox_page`: pages of 100 incidents in 64 different boxes, a new box each request: the cache
  rarely helps, this is the database's and serialisation's cost;
- `first_page`: the unfiltered first page.

Next to them, the **raw SQL floor** (the same repository call in-process, no HTTP, no JSON) and,
with `--tipg`, **tipg** (installed into `.crossings/tipg-venv`, served with the same number of
workers) answering the equivalent OGC API request on the same `incidents` table. Prints a table
and the JSON (also written to bench/results/api.json). Only loopback addresses are used.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.settings import DEFAULT_DATABASE_URL, to_sqlalchemy_url  # noqa: E402
from bench.scratch import load_average, machine_speed, publish  # noqa: E402
from geo.db import create_engine  # noqa: E402
from geo.repo.filters import BBox  # noqa: E402
from geo.repo.incidents import IncidentFilter, list_incidents  # noqa: E402

TIPG_VENV = ROOT / ".crossings" / "tipg-venv"
# 64 boxes of 4 x 4 degrees along the routes with most incidents (Mediterranean, US-Mexico)
BOXES = [(-20 + 4 * (k % 16), 28 + 4 * (k // 16 % 2), -16 + 4 * (k % 16), 32 + 4 * (k // 16 % 2))
         for k in range(32)] + [
    (-118 + 2 * (k % 16), 25 + 3 * (k // 16), -114 + 2 * (k % 16), 29 + 3 * (k // 16))
    for k in range(32)
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(url: str, seconds: float = 90.0) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 (loopback only)
                if r.status < 500:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"server at {url} did not come up in {seconds:.0f} s")


def _warm(url: str) -> float:
    """One request, waited for (a first answer over a million rows can take seconds: wrk
    would give up on it and leave the server computing it while the run is measured)."""
    import urllib.request

    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=300) as r:  # noqa: S310 (loopback only)
        r.read()
    return time.perf_counter() - t0


@contextmanager
def _process(cmd: list[str], env: dict[str, str], ready: str) -> Iterator[None]:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_up(ready)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("wrk is missing: apt-get install wrk")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or "wrk"


_LUA = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1], {["Accept-Encoding"] = "gzip"})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d %%.0f %%.0f %%.0f\\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout, summary.errors.status, summary.duration,
    latency:percentile(50), latency:percentile(95), latency.max, latency.mean, 0))
end
"""


def _wrk(wrk: str, base: str, paths: list[str], clients: int, duration: int) -> dict[str, Any]:
    """One scenario: wrk with a script that cycles through ``paths``."""
    script = _LUA % ", ".join(f'"{p}"' for p in paths)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
    try:
        out = subprocess.run(
            [wrk, "-t2", f"-c{clients}", f"-d{duration}s", "--timeout", "30s", "-s", fh.name, base],
            capture_output=True,
            text=True,
            timeout=duration + 60,
        ).stdout
    finally:
        os.unlink(fh.name)
    line = next((x for x in out.splitlines() if x.startswith("RESULT")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result:\n{out}")
    requests, socket_errors, non_2xx, duration_us, p50, p95, pmax, mean, _ = (
        float(x) for x in line.split()[1:]
    )
    return {
        "requests": int(requests),
        "requests_per_s": round(requests / (duration_us / 1e6), 1),
        "p50_ms": round(p50 / 1000, 1),
        "p95_ms": round(p95 / 1000, 1),
        "max_ms": round(pmax / 1000, 1),
        "non_2xx_3xx": int(non_2xx),
        "socket_errors": int(socket_errors),
    }


def _sql_floor(url: str, samples: int = 30) -> dict[str, Any]:
    """The repository call alone (in-process, one connection): the database's share."""
    engine = create_engine(to_sqlalchemy_url(url))
    timings: dict[str, list[float]] = {"bbox_page": [], "first_page": []}
    with engine.connect() as conn:
        for k in range(samples):
            box = BBox(*BOXES[k % len(BOXES)])
            for name, flt in (("bbox_page", IncidentFilter(bbox=box)),
                              ("first_page", IncidentFilter())):  # fmt: skip
                t0 = time.perf_counter()
                list_incidents(conn, flt=flt, limit=100)
                timings[name].append((time.perf_counter() - t0) * 1000)
        conn.rollback()
    engine.dispose()
    return {
        name: {"p50_ms": round(statistics.median(v), 1),
               "p95_ms": round(statistics.quantiles(v, n=20)[-1], 1)}
        for name, v in timings.items()
    }  # fmt: skip


def _tipg(url: str, workers: int) -> tuple[list[str], dict[str, str]]:
    """The command and environment that serve tipg on the same database."""
    python = TIPG_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(TIPG_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "tipg==1.6.1", "uvicorn"],
                       check=True)  # fmt: skip
    env = {**os.environ, "DATABASE_URL": url, "TIPG_DB_SCHEMAS": '["public"]',
           "TIPG_MAX_FEATURES_PER_QUERY": "10000"}  # fmt: skip
    cmd = [str(python), "-m", "uvicorn", "tipg.main:app", "--workers", str(workers),
           "--host", "127.0.0.1"]  # fmt: skip
    return cmd, env


def run(args: argparse.Namespace) -> dict[str, Any]:
    wrk = _ensure_wrk()
    server = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL).rsplit("/", 1)[0]
    url = f"{server}/{args.database}"
    engine = sa.create_engine(to_sqlalchemy_url(url))
    with engine.connect() as c:
        incidents = int(c.execute(sa.text("SELECT count(*) FROM incidents")).scalar_one())
        synthetic = int(
            c.execute(sa.text("SELECT count(*) FROM incidents WHERE source_name LIKE 'SYNTHETIC%'"))
            .scalar_one()
        )  # fmt: skip
    speed = machine_speed(engine)
    engine.dispose()
    results: dict[str, Any] = {
        "database": args.database, "incidents": incidents, "synthetic_incidents": synthetic,
        "clients": args.clients, "duration_s": args.duration, "workers": args.workers,
        "machine_speed": speed, "load_before": load_average(), "scenarios": {},
    }  # fmt: skip
    bbox_paths = [f"/incidents?bbox={a},{b},{c},{d}&limit=100" for a, b, c, d in BOXES]
    scenarios = {
        "repeat_corridors": ["/corridors"],
        "repeat_corridor_page": ["/incidents?corridor=central-mediterranean&limit=100"],
        "repeat_corridor_outline": ["/corridors/central-mediterranean/feature"],
        "bbox_page": bbox_paths,
        "first_page": ["/incidents?limit=100"],
    }
    port = _free_port()
    env = {**os.environ, "CROSSINGS_DATABASE_URL": url}
    cmd = [str(ROOT / ".venv" / "bin" / "crossings"), "serve", "--port", str(port),
           "--workers", str(args.workers)]  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    with _process(cmd, env, f"{base}/healthz"):
        for name, paths in scenarios.items():
            first = _warm(base + paths[0])  # imports, pools, and the first answer
            results["scenarios"][f"crossings.{name}"] = _wrk(
                wrk, base, paths, args.clients, args.duration
            ) | {"first_s": round(first, 2)}
    if args.tipg:
        tport = _free_port()
        tcmd, tenv = _tipg(url, args.workers)
        tbase = f"http://127.0.0.1:{tport}"
        tipg_items = "/collections/public.incidents/items"
        tipg = {
            "bbox_page": [f"{tipg_items}?bbox={a},{b},{c},{d}&limit=100" for a, b, c, d in BOXES],
            "first_page": [f"{tipg_items}?limit=100"],
        }
        with _process([*tcmd, "--port", str(tport)], tenv, f"{tbase}/collections"):
            for name, paths in tipg.items():
                first = _warm(tbase + paths[0])
                results["scenarios"][f"tipg.{name}"] = _wrk(
                    wrk, tbase, paths, args.clients, args.duration
                ) | {"first_s": round(first, 2)}
    results["sql_floor"] = _sql_floor(url)
    results["load_after"] = load_average()
    return results


def _table(results: dict[str, Any]) -> str:
    rows = [f"{'scenario':34} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'non-2xx':>8}"]
    for name, r in results["scenarios"].items():
        rows.append(
            f"{name:34} {r['requests_per_s']:>8} {r['p50_ms']:>8} {r['p95_ms']:>8} "
            f"{r['non_2xx_3xx'] + r['socket_errors']:>8}"
        )
    for name, r in results["sql_floor"].items():
        rows.append(f"{'sql_floor.' + name:34} {'':>8} {r['p50_ms']:>8} {r['p95_ms']:>8} {'':>8}")
    head = (
        f"{results['incidents']:,} incidents ({results['synthetic_incidents']:,} SYNTHETIC) in "
        f"{results['database']}; {results['clients']} clients, {results['duration_s']} s each, "
        f"{results['workers']} workers"
    )
    return head + "\n" + "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    default_db = re.sub(r".*/", "", os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--database", default=default_db, help="database name (DATABASE_URL's)")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--duration", type=int, default=15, help="seconds per scenario")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tipg", action="store_true", help="also run tipg 1.6.1 (pip install)")
    args = parser.parse_args()
    results = run(args)
    publish(results, _table(results), ROOT / "bench" / "results" / "api.json")


if __name__ == "__main__":
    main()
