"""ETags, conditional requests and a response cache, all keyed on the data version.

The data only changes when an import, a boundaries load, the placement checks or dedupe commit
(migration 0019 counts such changes: ``geo.repo.version.data_version``). So a response is a
function of (data version, code version, URL, the representation asked for), and:

- every cacheable ``200`` carries ``ETag: W/"<code>-<data>"`` and ``Cache-Control``; a request
  whose ``If-None-Match`` holds the current tag gets ``304`` without touching the data;
- a bounded in-process LRU keeps recent responses per (version, host, URL, Accept, gzip or
  not), so repeated map and embed requests are served without a query (the version itself is
  read at most once per ``cache_version_ttl_s`` and shared by all requests); identical
  requests that arrive while the first is being computed wait for it rather than repeat it.

The version is read *before* the response is computed, in an earlier snapshot than the data,
so a response is never stored under a version newer than its content. Weak tags: the same
version may be sent gzip-compressed or not, and collections carry their ``timeStamp``.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import sqlalchemy.exc as sa_exc
from sqlalchemy.engine import Engine
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.negotiation import representation
from geo.repo.version import data_version

# Never cached: liveness must be live; the OpenAPI document and docs are cheap and static.
UNCACHED_PREFIXES = ("/healthz", "/static/")  # static files carry their own validators


class VersionReader:
    """The data version, read at most once per ``ttl_s`` seconds and shared by requests."""

    def __init__(self, engine: Callable[[], Engine | None], ttl_s: float) -> None:
        self._engine = engine
        self._ttl_s = ttl_s
        self._value: int | None = None
        self._read_at = -float("inf")
        self._lock = anyio.Lock()

    async def get(self) -> int | None:
        """The version, or None when the database cannot say (the request then runs
        uncached and reports its own error)."""
        if time.monotonic() - self._read_at < self._ttl_s:
            return self._value
        if self._lock.locked() and self._value is not None:
            # a refresh is under way (it may wait for a pooled connection under load): the
            # version read a moment ago is still the data's or older, never newer
            return self._value
        async with self._lock:  # one reader refreshes; without a value yet, the others wait
            if time.monotonic() - self._read_at >= self._ttl_s:
                self._value = await anyio.to_thread.run_sync(self._read)
                self._read_at = time.monotonic()
        return self._value

    def _read(self) -> int | None:
        engine = self._engine()
        if engine is None:
            return None
        try:
            with engine.connect() as conn:
                return data_version(conn)
        except (sa_exc.DBAPIError, sa_exc.TimeoutError):
            return None


@dataclass
class Stored:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


@dataclass
class ResponseCache:
    """A byte-bounded LRU of whole responses."""

    max_bytes: int
    entry_max_bytes: int
    _entries: OrderedDict[tuple[Any, ...], Stored] = field(default_factory=OrderedDict)
    _bytes: int = 0

    def get(self, key: tuple[Any, ...]) -> Stored | None:
        hit = self._entries.get(key)
        if hit is not None:
            self._entries.move_to_end(key)
        return hit

    def put(self, key: tuple[Any, ...], value: Stored) -> None:
        if len(value.body) > self.entry_max_bytes or key in self._entries:
            return
        self._entries[key] = value
        self._bytes += len(value.body)
        while self._bytes > self.max_bytes and self._entries:
            _, old = self._entries.popitem(last=False)
            self._bytes -= len(old.body)


def _etag_matches(header: str | None, etag: str) -> bool:
    """RFC 9110 13.1.2: weak comparison; ``*`` matches any current representation."""
    if not header:
        return False
    tags = [t.strip() for t in header.split(",")]
    bare = etag.removeprefix("W/")
    return any(t == "*" or t.removeprefix("W/") == bare for t in tags)


class DataCacheMiddleware:
    """Conditional GETs and cached responses for GET and HEAD (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        code_version: str,
        max_age_s: int,
        version_ttl_s: float,
        cache: ResponseCache | None,
    ) -> None:
        self.app = app
        self.code_version = code_version
        self.cache_control = f"public, max-age={max_age_s}"
        self.cache = cache
        self.versions: VersionReader | None = None
        self.version_ttl_s = version_ttl_s
        self._computing: dict[tuple[Any, ...], anyio.Event] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or scope["path"].startswith(UNCACHED_PREFIXES)
        ):
            await self.app(scope, receive, send)
            return
        if self.versions is None:
            state = scope["app"].state
            self.versions = VersionReader(
                lambda: getattr(state, "engine", None), self.version_ttl_s
            )
        version = await self.versions.get()
        if version is None:
            await self.app(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        # ``/`` is JSON or the map page by Accept: each form gets its own tag, so a cache
        # revalidating one is never told it may serve it for the other (api/negotiation.py)
        form = representation(_app_path(scope), request_headers.get("accept"))
        etag = f'W/"{self.code_version}-{version}{"-" + form if form else ""}"'
        extra = [
            (b"etag", etag.encode()),
            (b"cache-control", self.cache_control.encode()),
        ]
        if _etag_matches(request_headers.get("if-none-match"), etag):
            await send({"type": "http.response.start", "status": 304, "headers": _vary(extra)})
            await send({"type": "http.response.body", "body": b""})
            return
        head = scope["method"] == "HEAD"
        key = (
            version,
            # links, canonical URLs and oEmbed answers are absolute: built from the Host asked
            request_headers.get("host", ""),
            scope["path"],
            scope.get("query_string", b""),
            request_headers.get("accept", ""),
            "gzip" in request_headers.get("accept-encoding", ""),
        )
        if self.cache is None:
            await self._compute(scope, receive, send, key=key, extra=extra, store=False)
            return
        if await self._serve_cached(key, send, head=head):
            return
        # Coalesce: while one request computes a response, identical ones wait for it instead
        # of each running the same query (100 map clients opening a page after an import ask
        # for the same few URLs at once; each /corridors on a million rows takes seconds).
        computing = self._computing.get(key)
        if computing is not None:
            await computing.wait()
            if await self._serve_cached(key, send, head=head):
                return  # else the first answer was not cacheable: compute our own
        done = self._computing.setdefault(key, anyio.Event())
        try:
            await self._compute(scope, receive, send, key=key, extra=extra, store=not head)
        finally:
            if self._computing.get(key) is done:
                del self._computing[key]
            done.set()

    async def _serve_cached(self, key: tuple[Any, ...], send: Send, *, head: bool) -> bool:
        hit = self.cache.get(key) if self.cache is not None else None
        if hit is None:
            return False
        start = {"type": "http.response.start", "status": hit.status, "headers": hit.headers}
        await send(start)
        await send({"type": "http.response.body", "body": b"" if head else hit.body})
        return True

    async def _compute(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        key: tuple[Any, ...],
        extra: list[tuple[bytes, bytes]],
        store: bool,
    ) -> None:
        """Run the app, tag its 200s, and keep whole responses small enough to cache."""
        started: dict[str, Any] = {}
        chunks: list[bytes] = []
        size = 0
        keep = store and self.cache is not None

        async def tagging_send(message: Message) -> None:
            nonlocal size, keep
            if message["type"] == "http.response.start":
                if message["status"] == 200:
                    headers = MutableHeaders(raw=list(message["headers"]))
                    for name, value in extra:
                        headers[name.decode()] = value.decode()
                    headers.add_vary_header("Accept")
                    message = {**message, "headers": headers.raw}
                else:
                    keep = False
                started.update(message)
            elif message["type"] == "http.response.body" and keep:
                size += len(message.get("body", b""))
                if self.cache is not None and size > self.cache.entry_max_bytes:
                    keep, chunks[:] = False, []
                else:
                    chunks.append(message.get("body", b""))
                if not message.get("more_body", False) and keep and self.cache is not None:
                    self.cache.put(
                        key, Stored(started["status"], started["headers"], b"".join(chunks))
                    )
            await send(message)

        await self.app(scope, receive, tagging_send)


def _app_path(scope: Scope) -> str:
    """The path below the app's ``root_path`` (behind a proxy that mounts it elsewhere)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return (path[len(root) :] or "/") if root and path.startswith(root) else path


def _vary(extra: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    return [*extra, (b"vary", b"Accept, Accept-Encoding")]
