"""``crossings export embeds``: static embed files a newsroom can host with no server.

Every file a page loads must be in the export, by a relative path, and the page must draw
its map from ``file://`` with every other request blocked.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from maps.embed import embed_config_json
from maps.export import export_embeds

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def exported(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("embeds")
    with engine.connect() as conn:
        report = export_embeds(
            conn, out, slugs=("darien", "italy-france"), langs=("en", "ar"),
            themes=("light", "dark"), base_url="https://crossings.example.org",
        )  # fmt: skip
    assert report.corridors == 2
    return out


def test_every_page_image_and_asset_is_written(exported: Path) -> None:
    folder = exported / "corridors" / "darien"
    for name in ("index.html", "en-light.html", "en-dark.html", "ar-light.html", "ar-dark.html"):
        assert (folder / name).is_file(), name
    for theme in ("light", "dark"):
        assert (folder / f"{theme}.png").read_bytes().startswith(PNG)
        assert b"<svg" in (folder / f"{theme}.svg").read_bytes()[:2000]
    manifest = json.loads((exported / "manifest.json").read_text())
    assert manifest["corridors"] == ["darien", "italy-france"]
    assert manifest["languages"] == ["en", "ar"] and manifest["data_version"] > 0
    assert (exported / "index.html").read_text().count("<textarea") == 2


def test_pages_load_only_files_of_the_export(exported: Path) -> None:
    for page in (exported / "corridors").rglob("*.html"):
        html = page.read_text()
        urls = re.findall(r'<(?:script|img)[^>]*\bsrc="([^"]+)"', html)
        urls += re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
        assert urls, page
        for url in urls:
            assert not re.match(r"^(?:[a-z]+:)?//", url), (page, url)
            assert (page.parent / url).resolve().is_file(), (page, url)
        for image in re.findall(r"url\(([^)]+)\)", (exported / "static" / "vendor" / "leaflet" /
                                                     "leaflet.css").read_text()):  # fmt: skip
            if not image.startswith(("data:", "#")):
                assert (exported / "static/vendor/leaflet" / image.strip("'\"")).is_file()


def test_the_full_map_link_goes_to_the_given_server(exported: Path) -> None:
    html = (exported / "corridors" / "darien" / "index.html").read_text()
    assert 'href="https://crossings.example.org/corridors/darien/map"' in html
    config = embed_config_json(html)
    assert config["slug"] == "darien" and config["hexagons"]["features"]


def test_the_command_line_checks_its_options(database_url: str, tmp_path: Path) -> None:
    def crossings(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "api.cli", "--database-url", database_url, *args],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip

    bad = crossings("export", "embeds", str(tmp_path), "--lang", "de")
    assert bad.returncode == 2 and "use one or more of en, fr, es, ar" in bad.stderr
    bad = crossings("export", "embeds", str(tmp_path), "--datetime", "soon")
    assert bad.returncode == 1 and "datetime must be" in bad.stderr
    done = crossings(
        "export", "embeds", str(tmp_path), "--corridor", "darien", "--lang", "fr",
        "--theme", "light", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["corridors"] == 1
    assert "corridors/darien/fr-light.html" in report["files"]
    assert "Bouchon du Darién" in (tmp_path / "corridors/darien/fr-light.html").read_text()
