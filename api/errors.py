"""Every error leaves the API as RFC 9457 ``application/problem+json``.

One map from domain exception class to status code, handlers registered in a loop (the idea of
tipg's ``DEFAULT_STATUS_CODES``). Driver errors are translated once, by
``geo.errors.translate_db_error``. A 4xx ``detail`` tells the client what to fix; a 5xx ``detail``
is a fixed sentence and the real cause goes to the server log under the request id, which the
client also gets (body ``request_id`` and ``X-Request-ID`` header) so the two can be matched.
"""

from __future__ import annotations

import logging
import uuid
from http import HTTPStatus
from typing import Any

import sqlalchemy.exc as sa_exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.models import Problem
from geo.errors import (
    CrossingsError,
    DatabaseError,
    DatabaseUnavailable,
    InvalidInput,
    NotFound,
    QueryTimeout,
    shown,
    translate_db_error,
)

log = logging.getLogger("crossings.api")

PROBLEM_JSON = "application/problem+json"
REQUEST_ID_HEADER = "X-Request-ID"

STATUS_CODES: dict[type[CrossingsError], int] = {
    InvalidInput: 400,
    NotFound: 404,
    DatabaseUnavailable: 503,
    QueryTimeout: 503,
    DatabaseError: 500,
    CrossingsError: 500,
}

# What a client is told for server-side failures; the exception text is only logged.
SERVER_MESSAGES: dict[type[CrossingsError], str] = {
    DatabaseUnavailable: "The database is unavailable right now; retry in a few seconds.",
    QueryTimeout: (
        "The query took too long and was cancelled; narrow the filters (bbox, datetime) "
        "or lower the limit."
    ),
}
INTERNAL_MESSAGE = "Internal server error; quote the request_id when reporting it."


RETRY_AFTER_S = 5


def problem_response(description: str, **extra: Any) -> dict[str, Any]:
    """An OpenAPI ``responses`` entry: a Problem body served as problem+json."""
    return {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": description, **extra}


# The server-side failures, described once for every route (OpenAPI ``responses``).
INTERNAL_ERROR: dict[int | str, dict[str, Any]] = {
    500: problem_response(
        "A bug or unexpected database error. The detail is a fixed sentence, never the cause; "
        "quote `request_id` (also the X-Request-ID header) when reporting it."
    ),
}
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: problem_response(
        "The database is unreachable, has no free connection, or cancelled a slow query. "
        "Retry the same request after Retry-After seconds (narrow the filters if it timed out).",
        headers={
            "Retry-After": {
                "description": "Seconds to wait before retrying.",
                "schema": {"type": "integer", "example": RETRY_AFTER_S},
            }
        },
    ),
}
SERVER_ERRORS = {**INTERNAL_ERROR, **UNAVAILABLE}
# What every route that reads data can answer besides its 200 (and 404, see ``not_found``).
DATA_ERRORS: dict[int | str, dict[str, Any]] = {
    400: problem_response("Invalid parameter; `detail` says what to send, `parameter` names it."),
    **SERVER_ERRORS,
}


def not_found(what: str) -> dict[int | str, dict[str, Any]]:
    return {404: problem_response(f"No such {what}.")}


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_JSON


def request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", "") or uuid.uuid4().hex)


def problem_body(status: int, detail: str, **extra: Any) -> dict[str, Any]:
    """An RFC 9457 body; ``type`` is ``about:blank`` so ``title`` is the HTTP reason phrase."""
    return {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }


def problem(request: Request, status: int, detail: str, **extra: Any) -> ProblemResponse:
    """The problem answer to ``request``, with its path and request id."""
    body = problem_body(
        status, detail, instance=request.url.path, request_id=request_id(request), **extra
    )
    headers = {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None
    return ProblemResponse(body, status_code=status, headers=headers)


def status_for(exc: CrossingsError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_CODES:
            return STATUS_CODES[cls]
    return 500


def crossings_error_response(
    request: Request, exc: CrossingsError, cause: BaseException | None = None
) -> ProblemResponse:
    """4xx: the message is for the client. 5xx: fixed text out, real cause (and, for a 500,
    the traceback of ``cause`` or ``exc``) to the log under the request id."""
    status = status_for(exc)
    if status < 500:
        extra = (
            {"parameter": exc.parameter} if isinstance(exc, InvalidInput) and exc.parameter else {}
        )
        return problem(request, status, str(exc), **extra)
    log.error(
        "request %s %s %s failed: %s: %s",
        request_id(request),
        request.method,
        request.url.path,
        type(exc).__name__,
        exc,
        exc_info=(cause or exc) if status == 500 else None,
    )
    message = next(
        (m for cls, m in SERVER_MESSAGES.items() if isinstance(exc, cls)), INTERNAL_MESSAGE
    )
    return problem(request, status, message)


async def _crossings_handler(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, CrossingsError)
    return crossings_error_response(request, exc)


async def _driver_handler(request: Request, exc: Exception) -> ProblemResponse:
    return crossings_error_response(request, translate_db_error(exc), cause=exc)


def _where(loc: tuple[Any, ...]) -> str:
    kind = {"query": "query parameter", "path": "path parameter", "header": "header"}
    if len(loc) >= 2 and loc[0] in kind:
        return f"{kind[loc[0]]} '{'.'.join(str(p) for p in loc[1:])}'"
    return "'" + ".".join(str(p) for p in loc) + "'"


def validation_detail(exc: RequestValidationError) -> str:
    """FastAPI's error list as one sentence per parameter: where, what, and what was sent."""
    parts = []
    for err in exc.errors():
        text = f"{_where(tuple(err.get('loc', ())))}: {err.get('msg', 'invalid value')}"
        if "input" in err and err["input"] is not None and not isinstance(err["input"], dict):
            text += f"; got {shown(err['input'])}"
        parts.append(text)
    return "; ".join(parts) or "invalid request"


async def _validation_handler(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    return problem(request, 400, validation_detail(exc))


async def _http_handler(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    headers = dict(exc.headers or {})
    allowed = headers.get("Allow", "").split(", ")
    if "GET" in allowed and "HEAD" not in allowed:  # api.app.HeadAsGet serves HEAD too
        headers["Allow"] += ", HEAD"
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no such path {request.url.path!r}; see / for the available endpoints"
    if exc.status_code == 405 and "Allow" in headers:
        detail = f"{request.method} is not allowed here; use {headers['Allow']}"
    response = problem(request, exc.status_code, detail)
    response.headers.update(headers)
    return response


def add_exception_handlers(app: FastAPI) -> None:
    """Register every handler; subclasses are resolved by Starlette along the MRO."""
    for cls in STATUS_CODES:
        app.add_exception_handler(cls, _crossings_handler)
    app.add_exception_handler(sa_exc.DBAPIError, _driver_handler)
    app.add_exception_handler(sa_exc.TimeoutError, _driver_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)


class RequestContextMiddleware:
    """Gives each request an id and turns any unhandled exception into a 500 problem.

    Pure ASGI (not ``BaseHTTPMiddleware``) so the id is in ``scope['state']`` for every later
    handler, and so an unknown exception never reaches the client as a traceback.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if 0 < len(incoming) <= 128 and incoming.isprintable() else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (REQUEST_ID_HEADER.lower().encode(), rid.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            log.exception("request %s %s: unhandled %s", rid, scope.get("path"), type(exc).__name__)
            if started:
                raise
            request = Request(scope)
            await problem(request, 500, INTERNAL_MESSAGE)(scope, receive, send_with_id)
