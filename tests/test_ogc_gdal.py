"""A real OGC API Features client reads ``/ogc``: GDAL's OAPIF driver (``ogrinfo``) against the
shared ``live_server`` (tests/browser.py): ``crossings serve`` on a free loopback port, serving
the committed session database (the MMP sample).

``make test`` installs gdal-bin (``.ci/ensure-gdal``); in CI a missing ogrinfo fails the test.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

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


def test_ogrinfo_lists_every_collection(live_server: str) -> None:
    ogrinfo = _ogrinfo()
    result = subprocess.run(
        [ogrinfo, "-ro", "-q", f"OAPIF:{live_server}/ogc"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for collection in ("incidents", *TABLES):
        assert re.search(rf"^\d+: {collection}\b", result.stdout, re.MULTILINE), result.stdout


def test_ogrinfo_counts_the_incidents_as_incidents_does(live_server: str) -> None:
    ogrinfo = _ogrinfo()
    expected = httpx.get(f"{live_server}/incidents", params={"limit": "1"}, timeout=30).json()
    assert _feature_count(ogrinfo, live_server, "incidents") == expected["numberMatched"] > 0


@pytest.mark.parametrize("collection", sorted(TABLES))
def test_ogrinfo_counts_every_row_of_a_reference_layer(
    live_server: str, engine: Engine, collection: str
) -> None:
    ogrinfo = _ogrinfo()
    with engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT count(*) FROM {TABLES[collection]}")).scalar_one()
    assert _feature_count(ogrinfo, live_server, collection) == rows > 0
