"""A real OGC API Features client reads ``/ogc``: GDAL's OAPIF driver (``ogrinfo``) against a
real uvicorn on a free local port, serving the committed session database (the MMP sample).

``make test`` installs gdal-bin (``.ci/ensure-gdal``); in CI a missing ogrinfo fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tests.conftest import IN_CI

TABLES = {"corridors": "corridors", "land_borders": "land_borders", "sea_routes": "sea_routes"}


def _ogrinfo() -> str:
    found = shutil.which("ogrinfo")
    if found is None:
        message = "ogrinfo (Debian gdal-bin) is not installed; run .ci/ensure-gdal"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(engine: Engine, database_url: str) -> Iterator[str]:
    """``crossings serve`` in a subprocess on 127.0.0.1; yields its base URL."""
    port = _free_port()
    env = {**os.environ, "CROSSINGS_DATABASE_URL": database_url, "DATABASE_URL": database_url}
    command = [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                pytest.fail(f"server exited: {process.stderr.read() if process.stderr else ''}")
            time.sleep(0.1)
        else:
            pytest.fail("server did not answer /healthz within 30 s")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _feature_count(ogrinfo: str, base: str, collection: str) -> int:
    result = subprocess.run(
        [ogrinfo, "-ro", "-so", f"OAPIF:{base}/ogc", collection],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "GDAL_HTTP_TIMEOUT": "60", "CPL_DEBUG": "OFF"},
    )
    assert result.returncode == 0, result.stderr
    found = re.search(r"^Feature Count: (\d+)$", result.stdout, re.MULTILINE)
    assert found, result.stdout
    return int(found.group(1))


def test_ogrinfo_lists_every_collection(server: str) -> None:
    ogrinfo = _ogrinfo()
    result = subprocess.run(
        [ogrinfo, "-ro", "-q", f"OAPIF:{server}/ogc"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    for collection in ("incidents", *TABLES):
        assert re.search(rf"^\d+: {collection}\b", result.stdout, re.MULTILINE), result.stdout


def test_ogrinfo_counts_the_incidents_as_incidents_does(server: str) -> None:
    ogrinfo = _ogrinfo()
    expected = httpx.get(f"{server}/incidents", params={"limit": "1"}, timeout=30).json()
    assert _feature_count(ogrinfo, server, "incidents") == expected["numberMatched"] > 0


@pytest.mark.parametrize("collection", sorted(TABLES))
def test_ogrinfo_counts_every_row_of_a_reference_layer(
    server: str, engine: Engine, collection: str
) -> None:
    ogrinfo = _ogrinfo()
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT count(*) FROM {TABLES[collection]}")).scalar_one()
    assert _feature_count(ogrinfo, server, collection) == rows > 0
