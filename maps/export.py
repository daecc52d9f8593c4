"""``crossings export embeds DIR``: every corridor's embed as static files for a CDN.

A newsroom can host the output with no Crossings server behind it: each page carries its data
(maps.embed), its scripts and styles are copied beside it and linked by relative paths, and the
PNG and SVG images are written next to the pages. Layout::

    DIR/index.html                              every corridor, with its iframe snippet
    DIR/corridors/<slug>/<lang>-<theme>.html     the embed (index.html = en-light)
    DIR/corridors/<slug>/<theme>.png|.svg        the static map (og:image, <noscript>)
    DIR/static/...                              Leaflet and the embed's own script and style
    DIR/manifest.json                           what was exported, from which data version
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from geo.repo.corridors import corridor_names
from geo.repo.incidents import IncidentFilter
from geo.repo.version import data_version
from maps.assets import STATIC_DIR
from maps.base import TEMPLATES
from maps.embed import EmbedLinks, corridor_embed
from maps.i18n import LANGUAGES
from maps.palette import THEMES
from maps.static_image import corridor_image

# Files the embed page loads (and the images leaflet.css points to), relative to STATIC_DIR.
EMBED_ASSETS = ("vendor/leaflet", "crossings/embed.js", "crossings/embed.css")


@dataclass
class ExportReport:
    out_dir: Path
    corridors: int = 0
    files: list[str] = field(default_factory=list)
    bytes: int = 0

    def summary(self) -> str:
        return (
            f"exported {self.corridors} corridors: {len(self.files)} files, "
            f"{self.bytes / 1e6:.1f} MB in {self.out_dir}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "out_dir": str(self.out_dir),
            "corridors": self.corridors,
            "files": self.files,
            "bytes": self.bytes,
        }


def _write(report: ExportReport, path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path.write_bytes(raw)
    report.files.append(path.relative_to(report.out_dir).as_posix())
    report.bytes += len(raw)


def _copy_assets(report: ExportReport) -> None:
    for name in EMBED_ASSETS:
        source = STATIC_DIR / name
        files = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [source]
        for file in files:
            if file.name == "LICENSE" or file.suffix in {".js", ".css", ".png", ".svg"}:
                _write(report, report.out_dir / "static" / file.relative_to(STATIC_DIR),
                       file.read_bytes())  # fmt: skip


def export_embeds(
    conn: Connection,
    out_dir: Path,
    *,
    flt: IncidentFilter | None = None,
    langs: tuple[str, ...] = LANGUAGES,
    themes: tuple[str, ...] = THEMES,
    base_url: str | None = None,
    slugs: tuple[str, ...] = (),
) -> ExportReport:
    """Write the embeds of every corridor (or ``slugs``) under ``out_dir`` (created; files of
    an earlier export are overwritten). ``base_url``: the Crossings server the pages link to
    for the full map; without it the link is left out."""
    flt = flt or IncidentFilter()
    names = corridor_names(conn)
    chosen = slugs or tuple(names)
    report = ExportReport(out_dir=out_dir)
    _copy_assets(report)
    for slug in chosen:
        folder = out_dir / "corridors" / slug
        for theme in themes:
            for fmt in ("png", "svg"):
                image = corridor_image(conn, slug=slug, flt=flt, theme=theme, fmt=fmt)
                _write(report, folder / f"{theme}.{fmt}", image)
        for lang in langs:
            for theme in themes:
                links = EmbedLinks(
                    full_map=f"{base_url.rstrip('/')}/corridors/{slug}/map" if base_url else None,
                    image=f"{theme}.png",
                )
                html = corridor_embed(
                    conn, slug=slug, flt=flt, theme=theme,  # type: ignore[arg-type]
                    lang=lang, links=links, assets="../../static",
                )  # fmt: skip
                _write(report, folder / f"{lang}-{theme}.html", html)
                if lang == langs[0] and theme == themes[0]:
                    _write(report, folder / "index.html", html)
        report.corridors += 1
    index = TEMPLATES.get_template("export_index.html").render(
        corridors=[(slug, names.get(slug, slug)) for slug in chosen],
        langs=langs,
        themes=themes,
    )
    _write(report, out_dir / "index.html", index)
    manifest = {
        "generator": "crossings export embeds",
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data_version": data_version(conn),
        "corridors": list(chosen),
        "languages": list(langs),
        "themes": list(themes),
        "files": len(report.files) + 1,
    }
    _write(report, out_dir / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    return report


def clear_export(out_dir: Path) -> None:
    """Remove an earlier export's corridors and assets (keeps anything else in ``out_dir``)."""
    for name in ("corridors", "static"):
        shutil.rmtree(out_dir / name, ignore_errors=True)
