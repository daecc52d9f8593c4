"""uvicorn's HTTP protocol, answering a request it cannot parse with problem+json.

uvicorn rejects such a request (a malformed request line or header, raw non-ASCII in the URL, a
request line over 64 KiB) before the app sees it, with a plain-text "Invalid HTTP request
received.". This subclass of the protocol uvicorn picks by default (httptools, which
``uvicorn[standard]`` brings) sends the same 400 as an RFC 9457 body that says what to fix, like
every other error of the API. Nothing of the request is echoed: it may hold a place.
It relies on two uvicorn internals (``send_400_response``, ``STATUS_LINE``);
tests/test_api_protocol.py runs a real uvicorn, so an upgrade that moves them fails there.
"""

from __future__ import annotations

import json

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from api.errors import PROBLEM_JSON, problem_body

UNREADABLE = (
    "the request could not be read as HTTP/1.1: check the request line and headers, "
    "percent-encode any character outside ASCII in the URL (RFC 3986), and keep the URL well "
    "under 64 KiB"
)
BODY = json.dumps(problem_body(400, UNREADABLE)).encode()  # no request: no instance or id
HEADERS = (
    (b"content-type", PROBLEM_JSON.encode()),
    (b"content-length", str(len(BODY)).encode()),
    (b"connection", b"close"),
)


class ProblemHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a problem+json 400 for an unreadable request."""

    def send_400_response(self, msg: str) -> None:
        content = [STATUS_LINE[400]]
        for name, value in [*self.server_state.default_headers, *HEADERS]:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend([b"\r\n", BODY])
        self.transport.write(b"".join(content))
        self.transport.close()
