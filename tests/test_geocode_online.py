"""The optional online geocoder, against a local Nominatim stand-in (never the internet).

The stand-in is a stdlib HTTP server in a thread that answers Nominatim-shaped JSON
(``format=json`` with address details) and records every request. All its answers are
synthetic: "Qasr Xyzzy" and the other names are invented for these tests.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import Connection, Engine

from api.cli import main
from api.settings import Settings
from geo.errors import InvalidInput
from geo.geocode.online import (
    OnlineGeocoder,
    RateLimiter,
    cached_geocode,
    from_nominatim,
    lookup,
    outbound_query,
)

UA = "crossings-tests/0 (synthetic; no contact)"

# Synthetic answers in Nominatim's format=json shape.
VILLAGE = {
    "place_id": 101,
    "licence": "synthetic test data",
    "osm_type": "node",
    "osm_id": 101,
    "lat": "32.5000000",
    "lon": "12.2000000",
    "class": "place",
    "type": "village",
    "place_rank": 19,
    "importance": 0.31,
    "addresstype": "village",
    "name": "Qasr Xyzzy",
    "display_name": "Qasr Xyzzy, Jafara, Libya",
    "address": {"village": "Qasr Xyzzy", "country": "Libya", "country_code": "ly"},
    "boundingbox": ["32.49", "32.51", "12.19", "12.21"],
}
SEA = {
    "lat": "35.5",
    "lon": "14.0",
    "class": "place",
    "type": "sea",
    "importance": 0.6,
    "addresstype": "sea",
    "display_name": "Synthetic Sea",
    "address": {"sea": "Synthetic Sea"},
    "boundingbox": ["33.0", "38.0", "11.0", "17.0"],
}
COUNTRY = {
    "lat": "26.8",
    "lon": "17.5",
    "class": "boundary",
    "type": "administrative",
    "place_rank": 4,
    "importance": 0.8,
    "addresstype": "country",
    "display_name": "Libya",
    "address": {"country": "Libya", "country_code": "ly"},
    "boundingbox": ["19.5", "33.2", "9.3", "25.2"],
}


class FakeNominatim:
    """What the stand-in answers, and what it was asked."""

    def __init__(self) -> None:
        self.answers: dict[str, tuple[int, Any]] = {}
        self.requests: list[dict[str, Any]] = []

    def reset(self) -> None:
        self.answers.clear()
        self.requests.clear()

    @property
    def count(self) -> int:
        return len(self.requests)


@pytest.fixture(scope="module")
def nominatim() -> Iterator[tuple[str, FakeNominatim]]:
    state = FakeNominatim()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            params = {k: v[0] for k, v in parse_qs(url.query).items()}
            state.requests.append(
                {"path": url.path, "params": params, "agent": self.headers.get("User-Agent")}
            )
            status, body = state.answers.get(params.get("q", ""), (200, []))
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fake(nominatim: tuple[str, FakeNominatim]) -> FakeNominatim:
    nominatim[1].reset()
    return nominatim[1]


class FakeClock:
    """A clock that moves only when slept on, recording each sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def online(nominatim: tuple[str, FakeNominatim], clock: FakeClock) -> OnlineGeocoder:
    return OnlineGeocoder(
        user_agent=UA, url=nominatim[0], timeout_s=5, clock=clock, sleep=clock.sleep
    )


def cached_rows(conn: Connection) -> list[sa.RowMapping]:
    sql = "SELECT * FROM geocode_cache WHERE provider = 'nominatim' ORDER BY id"
    return list(conn.execute(sa.text(sql)).mappings())


def test_offline_match_wins_without_a_request(
    conn: Connection, online: OnlineGeocoder, fake: FakeNominatim
) -> None:
    found = lookup(conn, "Unspecified location, Libya", online=online)
    assert found.source == "offline"
    assert found.result.status == "matched" and found.result.country == "LBY"
    assert fake.count == 0
    assert cached_rows(conn) == []


def test_online_answer_is_mapped_like_an_offline_one(
    conn: Connection, online: OnlineGeocoder, fake: FakeNominatim
) -> None:
    fake.answers["Qasr Xyzzy"] = (200, [VILLAGE])
    found = lookup(conn, "Qasr Xyzzy", country="LBY", online=online)
    r = found.result
    assert found.source == "online"
    assert (r.status, r.precision, r.country) == ("matched", "locality", "LBY")
    assert (r.lat, r.lon) == (32.5, 12.2)
    # Farthest bounding-box corner: 0.01° of latitude (~1109 m) and of longitude at 32.5° N
    # (~939 m) -> ~1453 m.
    assert r.uncertainty_m is not None and 1400 < r.uncertainty_m < 1520
    assert r.matched_source == "nominatim" and r.matched_name == "Qasr Xyzzy, Jafara, Libya"
    assert r.score == pytest.approx(0.31)
    assert [c.kind for c in r.candidates] == ["place:village"]
    assert "no known place name" in r.reason  # the offline reason is kept
    assert fake.count == 1
    request = fake.requests[0]
    assert request["path"] == "/search"
    assert request["params"]["countrycodes"] == "ly"
    assert request["agent"] == UA
    assert json.loads(json.dumps(r.to_dict()))["precision"] == "locality"


def test_second_identical_call_is_served_from_the_database(
    conn: Connection, online: OnlineGeocoder, fake: FakeNominatim
) -> None:
    fake.answers["Qasr Xyzzy"] = (200, [VILLAGE])
    first = lookup(conn, "Qasr Xyzzy", country="LBY", online=online)
    # Same text in other case and spacing: same normalised key.
    second = lookup(conn, "  qasr   XYZZY ", country="lby", online=online)
    assert (first.source, second.source) == ("online", "cache")
    assert fake.count == 1
    assert second.result.to_dict() | {"query": None} == first.result.to_dict() | {"query": None}
    rows = cached_rows(conn)
    assert len(rows) == 1
    row = rows[0]
    assert row["query_key"] == "LBY|qasr xyzzy" and row["query"] == "Qasr Xyzzy"
    assert (row["status"], row["precision"], row["country_hint"]) == ("matched", "locality", "LBY")
    assert (row["lat"], row["lon"]) == (32.5, 12.2)
    assert row["display_name"] == "Qasr Xyzzy, Jafara, Libya"
    assert row["answer"] == [VILLAGE]
    # Another country hint is another question.
    lookup(conn, "Qasr Xyzzy", country="TUN", online=online)
    assert fake.count == 2 and fake.requests[1]["params"]["countrycodes"] == "tn"


def test_not_found_is_cached_and_not_asked_again(
    conn: Connection, online: OnlineGeocoder, fake: FakeNominatim
) -> None:
    first = cached_geocode(conn, "Qasr Nowhere Xyzzy", online=online)
    second = cached_geocode(conn, "Qasr Nowhere Xyzzy", online=online)
    assert first.status == second.status == "not_found"
    assert "Nominatim found nothing" in second.reason
    assert fake.count == 1
    [row] = cached_rows(conn)
    assert (row["status"], row["answer"], row["lat"]) == ("not_found", [], None)
    assert row["country_hint"] is None and row["query_key"] == "|qasr nowhere xyzzy"


def test_server_error_is_reported_and_not_cached(
    conn: Connection, online: OnlineGeocoder, fake: FakeNominatim
) -> None:
    fake.answers["Qasr Xyzzy"] = (500, {"error": "synthetic failure"})
    found = lookup(conn, "Qasr Xyzzy", online=online)
    assert found.source == "error"
    assert found.result.status == "not_found" and found.result.lat is None
    assert found.error and online.url in found.error
    assert "online geocoder failed" in found.result.reason
    assert cached_rows(conn) == []
    lookup(conn, "Qasr Xyzzy", online=online)
    assert fake.count == 2  # asked again, since nothing was cached


def test_unreachable_service_is_reported_not_raised(conn: Connection, clock: FakeClock) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    service = OnlineGeocoder(
        user_agent=UA, url=f"http://127.0.0.1:{port}", timeout_s=2, clock=clock, sleep=clock.sleep
    )
    found = lookup(conn, "Qasr Xyzzy", online=service)
    assert found.source == "error" and found.error
    assert f"127.0.0.1:{port}" in found.error
    assert cached_rows(conn) == []


def test_rate_limiter_sleeps_only_the_remaining_delay(clock: FakeClock) -> None:
    limiter = RateLimiter(1.0, clock=clock, sleep=clock.sleep)
    assert limiter.wait() == 0.0  # first request: no wait
    clock.now += 0.3
    assert limiter.wait() == pytest.approx(0.7)
    clock.now += 5.0
    assert limiter.wait() == 0.0
    assert clock.sleeps == [pytest.approx(0.7)]


def test_requests_to_the_service_are_spaced(
    conn: Connection, online: OnlineGeocoder, fake: FakeNominatim, clock: FakeClock
) -> None:
    for text in ("Qasr Xyzzy", "Qasr Plugh", "Qasr Plugh"):  # the third is a cache hit
        lookup(conn, text, online=online)
    assert fake.count == 2
    assert clock.sleeps == [pytest.approx(1.0)]


def test_only_the_cleaned_text_and_country_leave_the_machine(
    conn: Connection, online: OnlineGeocoder, fake: FakeNominatim
) -> None:
    text = "Qasr Xyzzy 32.93N 12.08E west of the wadi (GPS: 32.1234, 12.5678)"
    assert outbound_query(text) == "Qasr Xyzzy west of the wadi"
    lookup(conn, text, country="LBY", region="Northern Africa", online=online)
    [request] = fake.requests
    params = request["params"]
    assert params["q"] == "Qasr Xyzzy west of the wadi" and params["countrycodes"] == "ly"
    assert set(params) <= {"q", "countrycodes", "format", "limit", "addressdetails"}
    assert not any(ch.isdigit() for ch in params["q"])


def test_unknown_country_hint_is_not_sent(
    conn: Connection, online: OnlineGeocoder, fake: FakeNominatim
) -> None:
    lookup(conn, "Qasr Xyzzy", country="at_sea", online=online)
    assert "countrycodes" not in fake.requests[0]["params"]


def test_sea_and_country_answers() -> None:
    sea = from_nominatim("Synthetic Sea", [SEA])
    assert (sea.status, sea.precision, sea.country) == ("matched", "sea_area", "at_sea")
    country = from_nominatim("Libya", [COUNTRY])
    assert (country.precision, country.country) == ("country", "LBY")
    # The offline gazetteer's radius for Libya, not the bounding box's corner.
    assert country.uncertainty_m == pytest.approx(1_165_000, rel=0.2)


def test_far_apart_equally_prominent_answers_are_ambiguous() -> None:
    other = VILLAGE | {"lat": "34.4", "lon": "35.8", "importance": 0.29, "place_id": 102}
    r = from_nominatim("Qasr Xyzzy", [VILLAGE, other])
    assert r.status == "ambiguous" and r.lat is None and len(r.candidates) == 2
    near = VILLAGE | {"lat": "32.52", "importance": 0.3}  # the same place twice (node, area)
    assert from_nominatim("Qasr Xyzzy", [VILLAGE, near]).status == "matched"


def test_configuration_is_checked() -> None:
    with pytest.raises(InvalidInput, match="user agent"):
        OnlineGeocoder(user_agent=" ")
    with pytest.raises(InvalidInput, match="one request per second"):
        OnlineGeocoder(user_agent=UA, min_delay_s=0.5)
    with pytest.raises(InvalidInput, match="http"):
        OnlineGeocoder(user_agent=UA, url="nominatim.example")


def test_setting_is_off_by_default() -> None:
    assert Settings(_env_file=None).geocoder_online is False


def _cli(database_url: str, nominatim_url: str, *args: str, online: str) -> Any:
    env = {
        "CROSSINGS_GEOCODER_ONLINE": online,
        "CROSSINGS_NOMINATIM_URL": nominatim_url,
        "CROSSINGS_GEOCODER_USER_AGENT": UA,
        "CROSSINGS_GEOCODER_MIN_DELAY_S": "0",
    }
    return CliRunner().invoke(main, ["--database-url", database_url, "geocode", *args], env=env)


def test_cli_setting_off_makes_no_online_call(
    database_url: str, nominatim: tuple[str, FakeNominatim], fake: FakeNominatim
) -> None:
    result = _cli(database_url, nominatim[0], "Qasr Xyzzy", "--json", online="false")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["status"] == "not_found"
    assert fake.count == 0


def test_cli_online_asks_once_then_uses_the_cache(
    engine: Engine, database_url: str, nominatim: tuple[str, FakeNominatim], fake: FakeNominatim
) -> None:
    text = "Qasr Xyzzy Cli"
    fake.answers[text] = (200, [VILLAGE])
    try:
        offline = _cli(database_url, nominatim[0], text, "--json", online="false")
        assert offline.exit_code == 0 and fake.count == 0
        first = _cli(database_url, nominatim[0], text, "--json", "--online", online="false")
        second = _cli(database_url, nominatim[0], text, online="true")  # setting on
        assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
        assert json.loads(first.output)["source"] == "online"
        assert json.loads(first.output)["sent"] == text
        assert "source:      cache" in second.output
        assert fake.count == 1
        fake.answers[text] = (503, [])
        with engine.begin() as c:
            c.execute(sa.text("DELETE FROM geocode_cache WHERE query = :q"), {"q": text})
        failed = _cli(database_url, nominatim[0], text, online="true")
        assert failed.exit_code == 1
        assert failed.output.strip().splitlines()[-1].startswith("Error: online geocoder failed")
    finally:
        with engine.begin() as c:
            c.execute(sa.text("DELETE FROM geocode_cache WHERE query = :q"), {"q": text})
