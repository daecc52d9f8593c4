"""A request uvicorn cannot parse gets problem+json like every other error, on a real uvicorn."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner

from api.app import create_app
from api.cli import main
from api.protocols import ProblemHttpToolsProtocol
from api.settings import Settings


@pytest.fixture(scope="module")
def port(settings: Settings) -> Iterator[int]:
    """The app on a real uvicorn with the protocol ``crossings serve`` uses, on a free port."""
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=0,
        http=ProblemHttpToolsProtocol,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield server.servers[0].sockets[0].getsockname()[1]
    server.should_exit = True
    thread.join(10)


def _exchange(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes; read the whole answer (the server closes after a 400)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
            head, sep, body = answer.partition(b"\r\n\r\n")
            if sep and b"content-length" in head.lower():
                length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                if len(body) >= length:
                    break
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /incidents?country=\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n",  # raw UTF-8 in the URL
        b"GET /incidents?bbox=" + b"1" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",  # too long
        b"NOT AN HTTP REQUEST\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
    ],
    ids=["non-ascii-url", "long-url", "garbage", "bad-header"],
)
def test_unreadable_request_gets_a_problem_that_says_what_to_fix(
    port: int, request_bytes: bytes
) -> None:
    status, headers, body = _exchange(port, request_bytes)
    assert status == 400
    assert headers["content-type"] == "application/problem+json"
    assert headers["connection"] == "close"
    problem: dict[str, Any] = json.loads(body)
    assert problem["status"] == 400 and problem["title"] == "Bad Request"
    assert "percent-encode" in problem["detail"] and "64 KiB" in problem["detail"]
    assert b"\xc3\xa9" not in body and b"1111" not in body  # nothing of the request echoed


def test_the_same_server_answers_a_readable_request(port: int) -> None:
    status, headers, body = _exchange(
        port, b"GET /openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert status == 200 and headers["content-type"] == "application/json"
    assert json.loads(body)["info"]["title"]


def test_serve_runs_uvicorn_with_that_protocol(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append(kwargs))
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    for args in (["serve", "--port", "8123"], ["serve", "--reload"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
    assert [c["http"] for c in calls] == [ProblemHttpToolsProtocol] * 2
    assert calls[0]["port"] == 8123
