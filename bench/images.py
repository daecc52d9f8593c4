"""Static corridor images: render time and bytes per corridor, format, size and theme.

    .venv/bin/python bench/images.py                      # the make-setup database
    .venv/bin/python bench/images.py --repeat 7 --corridors central-mediterranean,us-mexico

Renders in-process (``maps.static_image.corridor_image``, what the API route calls; HTTP and
the response cache add nothing here) ``--repeat`` times per case and reports the median and
the fastest time, and the bytes (and gzip bytes for SVG, which the API compresses; PNG is sent
as is). Also splits one default render into its stages: reading (SQL), drawing, encoding.
Prints a table and the JSON (also written to bench/results/images.json).
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.settings import DEFAULT_DATABASE_URL, to_sqlalchemy_url  # noqa: E402
from bench.scratch import load_average, publish  # noqa: E402
from geo.db import create_engine  # noqa: E402
from geo.repo.incidents import IncidentFilter  # noqa: E402
from maps import palette  # noqa: E402
from maps import static_image as img  # noqa: E402

CORRIDORS = "central-mediterranean,us-mexico,sahara,english-channel,belarus-eu"
SIZES = ((1200, 630), (400, 300), (2400, 1260))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=None, help="database name (default: DATABASE_URL)")
    parser.add_argument("--corridors", default=CORRIDORS)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    if args.database:
        url = url.rsplit("/", 1)[0] + "/" + args.database
    engine = create_engine(to_sqlalchemy_url(url))
    rows: list[dict[str, Any]] = []
    with engine.connect() as conn:
        for slug in args.corridors.split(","):
            for width, height in SIZES:
                for fmt in img.FORMATS:
                    for theme in ("light",) if (width, height) != (1200, 630) else palette.THEMES:
                        times, data = [], b""
                        for _ in range(args.repeat):
                            start = time.perf_counter()
                            data = img.corridor_image(
                                conn, slug=slug, width=width, height=height, theme=theme, fmt=fmt
                            )
                            times.append(time.perf_counter() - start)
                        rows.append(
                            {
                                "corridor": slug,
                                "size": f"{width}x{height}",
                                "format": fmt,
                                "theme": theme,
                                "median_ms": round(statistics.median(times) * 1000),
                                "min_ms": round(min(times) * 1000),
                                "bytes": len(data),
                                "gzip_bytes": len(gzip.compress(data)) if fmt == "svg" else None,
                            }
                        )
        stages = _stages(conn, args.corridors.split(",")[0], args.repeat)
    engine.dispose()
    table = "\n".join(
        f"{r['corridor']:<24}{r['size']:>10} {r['format']:<4}{r['theme']:<6}"
        f"{r['median_ms']:>6} ms (min {r['min_ms']:>4}){r['bytes']:>10,} B"
        + (f" ({r['gzip_bytes']:,} gzip)" if r["gzip_bytes"] else "")
        for r in rows
    )
    results = {"load_average": load_average(), "renders": rows, "stages_ms": stages}
    publish(results, table, ROOT / "bench" / "results" / "images.json")


def _stages(conn: Any, slug: str, repeat: int) -> dict[str, int]:
    """Median ms of reading, drawing and encoding one 1200 x 630 image."""
    read, draw, png, svg = [], [], [], []
    colors = palette.theme_colors("light")
    for _ in range(repeat):
        t0 = time.perf_counter()
        data = img.read_map(
            conn, slug=slug, flt=IncidentFilter(corridor=slug), width=1200, height=630
        )
        t1 = time.perf_counter()
        fig = img._draw(data, width=1200, height=630, colors=colors)
        t2 = time.perf_counter()
        img._encode(fig, fmt="png", title=data.name)
        t3 = time.perf_counter()
        img._encode(fig, fmt="svg", title=data.name)
        t4 = time.perf_counter()
        read.append(t1 - t0)
        draw.append(t2 - t1)
        png.append(t3 - t2)
        svg.append(t4 - t3)
    return {
        "corridor": slug,  # type: ignore[dict-item]
        "read": round(statistics.median(read) * 1000),
        "draw": round(statistics.median(draw) * 1000),
        "encode_png": round(statistics.median(png) * 1000),
        "encode_svg": round(statistics.median(svg) * 1000),
    }


if __name__ == "__main__":
    main()
