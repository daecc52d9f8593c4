"""Page benchmark: what a map page costs a reader's browser — requests, bytes, time to render.

    .venv/bin/python bench/pages.py                        # the default pages, make-setup data
    .venv/bin/python bench/pages.py --path /docs --runs 3  # any page of the app
    .venv/bin/python bench/pages.py --database crossings_bench  # 1M SYNTHETIC incidents
    .venv/bin/python bench/pages.py --base-url http://127.0.0.1:8000 --path /map  # running one

Starts `crossings serve` on a free loopback port against the database (as bench/api.py does),
then loads each page `--runs` times in Debian's headless Chromium (`/usr/bin/chromium`, driven by
Playwright; `.ci/ensure-chromium` installs it), each load in a fresh browser context with the
HTTP cache disabled. Requests to any host other than 127.0.0.1/localhost/[::1] go to a refusing
proxy (so a CDN or tile server the page asks for is counted as blocked, and costs nothing).

Per load: requests made (and blocked), bytes on the wire (response headers + encoded bodies,
gzip included: Playwright's `request.sizes()`), decoded bytes (`decodedBodySize` of the
navigation and resource timing entries), first contentful paint (PerformancePaintTiming), the
page's own `performance.mark("crossings-rendered")` when it sets one (waited for up to
`--rendered-timeout` s on the first load), and the `load` event; the table shows medians, the
JSON every load. The first load also fills the server's response cache, so it is reported on
its own as `first_load`. Targets printed beside: an embed weighs < 500 KB with all its assets and
first renders in < 1 s (the `crossings-rendered` mark, else first contentful paint).

A page that is not there (404 today) is reported with its status, not measured. Writes
bench/results/pages.json.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.settings import DEFAULT_DATABASE_URL, to_sqlalchemy_url  # noqa: E402
from bench.api import _free_port, _process  # noqa: E402
from bench.scratch import load_average, machine_speed, publish  # noqa: E402

CHROMIUM = os.environ.get("CROSSINGS_CHROMIUM", "/usr/bin/chromium")
DEFAULT_PATHS = ["/embed/corridors/central-mediterranean", "/map"]
TARGET_WEIGHT_KB = 500
TARGET_RENDER_MS = 1000
# Every non-loopback request goes to a proxy that refuses it (port 9: nothing listens).
REFUSING_PROXY = {"server": "http://127.0.0.1:9", "bypass": "<-loopback>,127.0.0.1,localhost,[::1]"}
LOOPBACK = re.compile(r"^(?:https?|wss?)://(?:127\.0\.0\.1|localhost|\[::1\])(?::\d+)?(?:[/?#]|$)")

# Read in the page once it has settled: its own timing entries, all relative to navigation start.
TIMINGS_JS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  const mark = performance.getEntriesByName('crossings-rendered', 'mark')[0];
  const entries = [nav, ...performance.getEntriesByType('resource')].filter(Boolean);
  return {
    fcp_ms: paint ? paint.startTime : null,
    rendered_ms: mark ? mark.startTime : null,
    dom_content_loaded_ms: nav ? nav.domContentLoadedEventEnd : null,
    load_ms: nav ? nav.loadEventEnd : null,
    decoded_bytes: entries.reduce((sum, e) => sum + (e.decodedBodySize || 0), 0),
    encoded_body_bytes: entries.reduce((sum, e) => sum + (e.encodedBodySize || 0), 0),
  };
}"""


def _chromium_version() -> str:
    out = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=60)
    return out.stdout.strip()


def _load_once(browser: Any, url: str, args: argparse.Namespace, wait_mark: bool) -> dict[str, Any]:
    """One load in a fresh context, the browser cache off; what it cost."""
    from playwright.sync_api import Error
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    width, height = (int(x) for x in args.viewport.split("x"))
    context = browser.new_context(
        viewport={"width": width, "height": height}, service_workers="block"
    )
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        requests: list[Any] = []
        failed: list[Any] = []
        page.on("request", lambda r: requests.append(r))  # a bound method cannot be tagged
        page.on("requestfailed", lambda r: failed.append(r))
        t0 = time.perf_counter()
        response = page.goto(url, wait_until="load", timeout=args.timeout * 1000)
        goto_ms = (time.perf_counter() - t0) * 1000
        status = response.status if response is not None else None
        if status is None or status >= 400:
            return {"status": status}
        try:  # late requests (data fetched by the page's script) count too
            page.wait_for_load_state("networkidle", timeout=args.timeout * 1000)
        except PlaywrightTimeout:
            pass
        if wait_mark:
            try:
                page.wait_for_function(
                    "performance.getEntriesByName('crossings-rendered', 'mark').length > 0",
                    timeout=args.rendered_timeout * 1000,
                )
            except PlaywrightTimeout:
                pass
        timings = page.evaluate(TIMINGS_JS)
        wire = 0
        for request in requests:
            try:
                sizes = request.sizes()
            except Error:  # failed or blocked: nothing came back
                continue
            wire += sizes["responseHeadersSize"] + sizes["responseBodySize"]
        blocked = sorted({r.url for r in failed if not LOOPBACK.match(r.url)})
        return {
            "status": status,
            "requests": len(requests),
            "blocked": len(blocked),
            "blocked_urls": blocked,
            "failed_loopback": sorted({r.url for r in failed if LOOPBACK.match(r.url)}),
            "wire_bytes": wire,
            "goto_ms": round(goto_ms, 1),
            **{k: (round(v, 1) if isinstance(v, float) else v) for k, v in timings.items()},
        }
    finally:
        context.close()


def _median(loads: list[dict[str, Any]], key: str) -> float | None:
    values = [x[key] for x in loads if x.get(key) is not None]
    return round(statistics.median(values), 1) if values else None


def _summary(loads: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("requests", "blocked", "wire_bytes", "decoded_bytes", "fcp_ms", "rendered_ms",
            "load_ms", "dom_content_loaded_ms")  # fmt: skip
    medians = {k: _median(loads, k) for k in keys}
    render = medians["rendered_ms"] if medians["rendered_ms"] is not None else medians["fcp_ms"]
    weight_kb = medians["wire_bytes"] / 1024 if medians["wire_bytes"] is not None else None
    return {
        **medians,
        "first_render_ms": render,
        "first_render_from": "crossings-rendered" if medians["rendered_ms"] is not None else "fcp",
        "weight_ok": weight_kb is not None and weight_kb < TARGET_WEIGHT_KB,
        "render_ok": render is not None and render < TARGET_RENDER_MS,
    }


def measure(base: str, paths: list[str], args: argparse.Namespace) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    pages: dict[str, Any] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox"] if os.geteuid() == 0 else [],
            proxy=REFUSING_PROXY,  # type: ignore[arg-type]
        )
        try:
            for path in paths:
                url = base + path
                first = _load_once(browser, url, args, wait_mark=True)
                if first["status"] is None or first["status"] >= 400:
                    pages[path] = {"status": first["status"], "measured": False}
                    continue
                wait_mark = first.get("rendered_ms") is not None
                loads = [_load_once(browser, url, args, wait_mark) for _ in range(args.runs)]
                pages[path] = {
                    "status": first["status"],
                    "measured": True,
                    "median": _summary(loads),
                    "first_load": first,
                    "loads": loads,
                }
        finally:
            browser.close()
    return pages


def run(args: argparse.Namespace) -> dict[str, Any]:
    if not os.access(CHROMIUM, os.X_OK):
        raise SystemExit(f"{CHROMIUM} is missing: bash .ci/ensure-chromium")
    server = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL).rsplit("/", 1)[0]
    url = f"{server}/{args.database}"
    engine = sa.create_engine(to_sqlalchemy_url(url))
    with engine.connect() as c:
        incidents = int(c.execute(sa.text("SELECT count(*) FROM incidents")).scalar_one())
    speed = machine_speed(engine)
    engine.dispose()
    results: dict[str, Any] = {
        "database": args.database, "incidents": incidents, "runs": args.runs,
        "viewport": args.viewport, "chromium": _chromium_version(),
        "playwright": version("playwright"), "machine_speed": speed,
        "targets": {"weight_kb": TARGET_WEIGHT_KB, "first_render_ms": TARGET_RENDER_MS},
        "load_before": load_average(),
    }  # fmt: skip
    paths = args.path or DEFAULT_PATHS
    if args.base_url:  # a server already running (its database is the user's business)
        results["base_url"] = args.base_url
        results["pages"] = measure(args.base_url.rstrip("/"), paths, args)
    else:
        port = _free_port()
        env = {**os.environ, "CROSSINGS_DATABASE_URL": url}
        cmd = [str(ROOT / ".venv" / "bin" / "crossings"), "serve", "--port", str(port)]
        base = f"http://127.0.0.1:{port}"
        with _process(cmd, env, f"{base}/healthz"):
            results["pages"] = measure(base, paths, args)
    results["load_after"] = load_average()
    return results


def _fmt(value: float | None, scale: float = 1.0) -> str:
    return "-" if value is None else f"{value / scale:,.0f}"


def _table(results: dict[str, Any]) -> str:
    head = (
        f"{results['incidents']:,} incidents in {results['database']}; {results['chromium']}, "
        f"playwright {results['playwright']}; median of {results['runs']} loads, "
        f"viewport {results['viewport']}; targets: weight < {TARGET_WEIGHT_KB} KB, "
        f"first render < {TARGET_RENDER_MS} ms"
    )
    rows = [
        f"{'page':42} {'status':>6} {'reqs':>5} {'blocked':>7} {'wire KB':>8} {'decoded KB':>10} "
        f"{'FCP ms':>7} {'rendered':>8} {'load ms':>7}  targets"
    ]
    for path, page in results["pages"].items():
        if not page["measured"]:
            rows.append(f"{path:42} {page['status'] or 'none':>6}  not measured")
            continue
        m = page["median"]
        render = (
            "no paint"
            if m["first_render_ms"] is None
            else f"{'ok' if m['render_ok'] else 'OVER'} ({m['first_render_from']})"
        )
        verdict = f"weight {'ok' if m['weight_ok'] else 'OVER'}, render {render}"
        rows.append(
            f"{path:42} {page['status']:>6} {_fmt(m['requests']):>5} {_fmt(m['blocked']):>7} "
            f"{_fmt(m['wire_bytes'], 1024):>8} {_fmt(m['decoded_bytes'], 1024):>10} "
            f"{_fmt(m['fcp_ms']):>7} {_fmt(m['rendered_ms']):>8} {_fmt(m['load_ms']):>7}  "
            f"{verdict}"
        )
    return head + "\n" + "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    default_db = re.sub(r".*/", "", os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--database", default=default_db, help="database name (DATABASE_URL's)")
    parser.add_argument(
        "--path", action="append", help=f"page path, repeatable (default: {DEFAULT_PATHS})"
    )
    parser.add_argument(
        "--base-url",
        help="measure a server already running on a loopback address (http://127.0.0.1:8000) "
        "instead of starting one",
    )
    parser.add_argument("--runs", type=int, default=5, help="loads per page after the first")
    parser.add_argument("--viewport", default="1280x800", help="WIDTHxHEIGHT")
    parser.add_argument("--timeout", type=float, default=60, help="seconds a load may take")
    parser.add_argument(
        "--rendered-timeout",
        type=float,
        default=5,
        help="seconds the first load waits for performance.mark('crossings-rendered')",
    )
    args = parser.parse_args()
    if not re.fullmatch(r"\d+x\d+", args.viewport):
        parser.error("--viewport must be WIDTHxHEIGHT, e.g. 1280x800")
    if args.base_url and not LOOPBACK.match(args.base_url.rstrip("/") + "/"):
        parser.error("--base-url must be a loopback address (127.0.0.1, localhost, [::1])")
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    results = run(args)
    publish(results, _table(results), ROOT / "bench" / "results" / "pages.json")


if __name__ == "__main__":
    main()
