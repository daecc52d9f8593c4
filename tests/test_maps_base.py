"""The building blocks of every map page: local assets only, escaped data, safe script JSON."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
from pathlib import Path

import httpx
import pytest

from maps import assets
from maps.base import (
    Credits,
    LocalFullscreen,
    LocalMarkerCluster,
    OfflineMap,
    Page,
    RemoteAssetError,
    assert_offline,
    script_json,
)


def test_script_json_cannot_close_the_script_element() -> None:
    text = "</script><img src=x onerror=alert(1)> & \u2028"
    out = str(script_json({"location": text}))
    assert "<" not in out and ">" not in out and "&" not in out
    assert json.loads(out) == {"location": text}


def test_page_escapes_context_and_loads_only_local_files() -> None:
    m = OfflineMap(location=[0, 0], zoom_start=2)
    Credits().add_to(m)
    LocalFullscreen().add_to(m)
    LocalMarkerCluster().add_to(m)
    page = Page("base.html", title="<img src=x onerror=alert(1)>")
    page.add_child(m)
    html = page.render()
    assert "<title>&lt;img src=x onerror=alert(1)&gt;</title>" in html
    assert 'src="/static/vendor/leaflet/leaflet.js"' in html
    assert "leaflet.markercluster.js" in html and "Control.FullScreen.js" in html
    for cdn in ("jsdelivr", "cdnjs", "jquery", "bootstrap", "unpkg"):
        assert cdn not in html
    assert "IOM Missing Migrants Project" in html and "Natural Earth" in html


def test_exported_pages_use_the_given_asset_path() -> None:
    page = Page("base.html", title="x")
    page.add_child(OfflineMap(assets="assets", location=[0, 0]))
    assert 'src="assets/vendor/leaflet/leaflet.js"' in page.render()


@pytest.mark.parametrize(
    "tag",
    [
        '<script src="https://cdn.example.org/x.js"></script>',
        "<script src='//cdn.example.org/x.js'></script>",
        '<link rel="stylesheet" href="http://cdn.example.org/x.css"/>',
        '<link href="https://cdn.example.org/x.css" rel="preload" as="style">',
        '<img src="https://cdn.example.org/tile.png" alt="">',
        "<iframe src=https://cdn.example.org/frame></iframe>",
    ],
)
def test_a_remote_script_or_stylesheet_is_refused(tag: str) -> None:
    with pytest.raises(RemoteAssetError, match="cdn.example.org"):
        assert_offline(f"<html><head>{tag}</head></html>")


def test_links_in_text_are_not_assets() -> None:
    html = (
        '<a href="https://missingmigrants.iom.int/">IOM</a><img src="/static/x.png">'
        '<link rel="canonical" href="https://crossings.example/embed/corridors/darien">'
        '<link rel="alternate" type="application/json+oembed" href="https://x.example/oembed">'
        '<meta property="og:image" content="https://crossings.example/x.png">'
    )
    assert assert_offline(html) == html


def test_every_vendored_file_is_installed() -> None:
    """`make setup`/`make test` run `crossings assets fetch`; a page needs every file."""
    assert assets.missing_assets() == []
    assert assets.assets_current()


def _tarball(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(f"package/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def test_a_tarball_that_fails_its_integrity_is_refused(tmp_path: Path) -> None:
    data = _tarball({"dist/x.js": b"alert(1)"})
    good = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    package = assets.Package("x", "1.0.0", good, "x", ("dist/x.js",))
    assert assets._verified(data, package) == data
    assets._extract(data, package, tmp_path)
    assert (tmp_path / "x" / "x.js").read_bytes() == b"alert(1)"
    tampered = assets.Package("x", "1.0.0", good, "x", ("dist/x.js",))
    with pytest.raises(assets.AssetError, match="does not match its integrity"):
        assets._verified(data + b"!", tampered)
    with pytest.raises(assets.AssetError, match="has no dist/y.js"):
        assets._extract(data, assets.Package("x", "1", good, "x", ("dist/y.js",)), tmp_path)


@pytest.mark.anyio
async def test_static_files_and_swagger_ui_are_served_by_the_app(
    client: httpx.AsyncClient,
) -> None:
    js = await client.get("/static/vendor/leaflet/leaflet.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert "max-age" in js.headers["cache-control"]
    assert (await client.get("/static/vendor/nothing.js")).status_code == 404
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert_offline(docs.text)
