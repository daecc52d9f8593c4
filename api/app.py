"""The application factory. Nothing connects or reads settings at import time.

``create_app(settings)`` is what ``crossings serve`` and the tests call; ``app_from_env`` is the
zero-argument factory for ``uvicorn --factory --reload``. The engine (and its pool) is created in
the lifespan, kept on ``app.state.engine`` and disposed at shutdown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.caching import DataCacheMiddleware, ResponseCache
from api.errors import RequestContextMiddleware, add_exception_handlers
from api.routers import (
    clusters,
    corridor_pages,
    corridors,
    countries,
    embeds,
    heatmap,
    images,
    incidents,
    maps,
    meta,
    oembed,
    ogc,
    sources,
    stats,
    tiles,
)
from api.settings import Settings
from geo.db import create_engine
from maps.assets import STATIC_DIR

DESCRIPTION = """\
Deaths, disappearances, pushbacks and violence against people on the move at borders and on sea
routes, worldwide, as GeoJSON.

Errors are `application/problem+json` (RFC 9457). Data: IOM Missing Migrants Project and
partner sources; boundaries made with Natural Earth.
"""


def _version() -> str:
    try:
        return package_version("crossings")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0"


def create_app(settings: Settings | None = None) -> FastAPI:
    """A configured app; the database pool opens with the lifespan, not here."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(
            settings.sqlalchemy_url,
            pool_size=settings.pool_size,
            pool_timeout_s=settings.pool_timeout_s,
            connect_timeout_s=settings.connect_timeout_s,
            statement_timeout_ms=settings.statement_timeout_ms,
            application_name="crossings-api",
        )
        app.state.engine = engine
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(
        title="Crossings",
        description=DESCRIPTION,
        version=_version(),
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url=None,  # served below with the app's own Swagger UI files, not a CDN's
        redoc_url=None,
        license_info={"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
    )
    app.state.settings = settings
    add_exception_handlers(app)
    # gzip innermost, inside HEAD handling (a HEAD gets the GET's compressed headers) and inside
    # the cache (which keeps compressed bytes for clients that accept them)
    app.add_middleware(GZipMiddleware, minimum_size=settings.gzip_min_bytes, compresslevel=5)
    app.add_middleware(HeadAsGet)  # request ids, the cache and CORS treat HEAD like GET
    mb = 1024 * 1024
    app.add_middleware(
        DataCacheMiddleware,
        code_version=_version(),
        max_age_s=settings.cache_max_age_s,
        version_ttl_s=settings.cache_version_ttl_s,
        cache=ResponseCache(settings.cache_max_mb * mb, settings.cache_entry_max_mb * mb)
        if settings.cache_responses
        else None,
    )
    app.add_middleware(RequestContextMiddleware)
    # Added last = outermost, so error responses carry CORS headers too.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "HEAD", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=["X-Request-ID"],
    )
    # images before any router with /embed/corridors/{slug} (the HTML embed): first match wins
    for module in (
        meta, incidents, corridors, countries, sources, heatmap, clusters, stats, tiles, ogc,
        images, embeds, maps,
    ):  # fmt: skip
        app.include_router(module.router)
    for page in (corridor_pages, oembed):  # HTML pages and their oEmbed
        app.include_router(page.router)
    app.mount("/static", StaticAssets(directory=STATIC_DIR), name="static")
    _local_swagger_ui(app)
    _openapi_as_served(app, settings)
    return app


class StaticAssets(StaticFiles):
    """The app's own and vendored front-end files (maps/static), cacheable for a day: vendored
    files change only with maps/assets.toml, and ETag/Last-Modified revalidate after that."""

    def file_response(self, *args: Any, **kwargs: Any) -> Any:
        response = super().file_response(*args, **kwargs)
        response.headers.setdefault("Cache-Control", "public, max-age=86400")
        return response


def _local_swagger_ui(app: FastAPI) -> None:
    """``/docs`` with Swagger UI from ``/static/vendor`` (maps/assets.toml): FastAPI's default
    page loads it from a CDN, which offline users and CI cannot reach."""

    @app.get("/docs", include_in_schema=False, name="swagger_ui_html")
    def swagger_ui_html(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")  # paths, not URLs: any host name works
        vendor = f"{root}/static/vendor/swagger-ui"
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}",
            title=f"{app.title} – API documentation",
            swagger_js_url=f"{vendor}/swagger-ui-bundle.js",
            swagger_css_url=f"{vendor}/swagger-ui.css",
            swagger_favicon_url=f"{vendor}/favicon-32x32.png",
        )


class HeadAsGet:
    """HEAD answered as GET without the body: RFC 9110 (9.1) requires HEAD wherever GET works
    and CORS allows it, but FastAPI routes answer GET only (405 for HEAD). Headers, including
    Content-Length, stay those of the GET response, as HEAD requires."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)


def _openapi_as_served(app: FastAPI, settings: Settings) -> None:
    """Make the OpenAPI document say what the API sends.

    Invalid parameters are 400 problem+json here (as in OGC API Features), never FastAPI's 422
    ``HTTPValidationError``, so that default is removed. Each response model's schema is
    filed under the media type the response declares (see ``_schema_where_served``), and
    ``limit`` gets this server's bounds (see ``_limit_bounds``).
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    _limit_bounds(operation.get("parameters", []), settings)
                    responses = operation.get("responses", {})
                    responses.pop("422", None)
                    for response in responses.values():
                        _schema_where_served(response.get("content", {}))
            for name in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(name, None)
        return app.openapi_schema or generate()

    app.openapi = openapi  # type: ignore[method-assign]


def _limit_bounds(parameters: list[dict[str, Any]], settings: Settings) -> None:
    """The routes are declared once for every app, but each app's settings decide the largest
    and the default page size; the document states this server's."""
    for parameter in parameters:
        if parameter["name"] == "limit" and parameter["in"] == "query":
            parameter["schema"] = {
                **parameter["schema"],
                "maximum": settings.max_limit,
                "default": settings.default_limit,
            }


def _schema_where_served(content: dict[str, Any]) -> None:
    """FastAPI files a response model's schema under the route's media type (or
    application/json), even when the response declares another one (problem+json for errors,
    geo+json for features); move it to the declared type, which is the one sent."""
    filed = [media for media, body in content.items() if _is_model(body)]
    declared = [media for media, body in content.items() if "schema" not in body]
    if len(filed) == 1 and declared:
        schema = content.pop(filed[0])["schema"]
        for media in declared:
            content[media]["schema"] = schema


def _is_model(body: dict[str, Any]) -> bool:
    """A schema FastAPI filed, not a file body's own (CSV, Parquet: ``type: string``)."""
    return "schema" in body and body["schema"].get("type") != "string"


def app_from_env() -> FastAPI:
    """For ``uvicorn api.app:app_from_env --factory``: settings from the environment."""
    return create_app(Settings())
