"""The ``crossings`` command as a user runs it: a real process against its own fresh database."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from api.settings import to_sqlalchemy_url

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "api.cli"]


@pytest.fixture(scope="module")
def cli_db(database_url: str) -> Iterator[str]:
    """An empty database beside the session one, so CLI writes never touch other tests."""
    server = database_url.rsplit("/", 1)[0]
    name = f"crossings_cli_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(to_sqlalchemy_url(server + "/postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server}/{name}"
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def crossings(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "--database-url", url, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_help_lists_the_commands() -> None:
    result = subprocess.run([*CLI, "--help"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0
    for command in ("db", "boundaries", "import", "serve"):
        assert command in result.stdout


def test_import_then_reimport_reports_as_json(cli_db: str) -> None:
    assert crossings(cli_db, "db", "upgrade").returncode == 0
    sample = str(ROOT / "data" / "sample" / "mmp_current_layout_2014.csv")

    first = crossings(cli_db, "import", "mmp", sample, "--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert report["status"] == "succeeded"
    assert report["rows_read"] == 296
    assert report["inserted"] + report["rejected"] == 296

    again = crossings(cli_db, "import", "mmp", sample, "--json", "--force")
    assert again.returncode == 0, again.stderr
    second = json.loads(again.stdout)
    assert (second["inserted"], second["updated"]) == (0, 0)
    assert second["unchanged"] == report["inserted"]


def test_missing_file_is_a_usage_error_not_a_traceback(cli_db: str) -> None:
    result = crossings(cli_db, "import", "mmp", "no/such/file.csv")
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_says_so(tmp_path: Path) -> None:
    sample = str(ROOT / "data" / "sample" / "mmp_current_layout_2014.csv")
    result = crossings("postgresql://postgres@127.0.0.1:1/nowhere", "import", "mmp", sample)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "database" in result.stderr.lower()


def test_geocode_prints_the_decision_as_json() -> None:
    result = subprocess.run(
        [*CLI, "geocode", "Unspecified location, Libya", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    assert decision["status"] == "matched"
    assert decision["precision"] == "country"
    assert decision["country"] == "LBY"
    assert {"lat", "lon", "uncertainty_m", "score", "candidates"} <= decision.keys()
