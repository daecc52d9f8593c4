"""Landing page and health check."""

from __future__ import annotations

from typing import Annotated

import sqlalchemy.exc as sa_exc
from fastapi import APIRouter, Depends, Request
from sqlalchemy.engine import Engine

from api.deps import get_engine
from api.errors import INTERNAL_ERROR, SERVER_ERRORS
from api.links import GEOJSON, JSON, route_link, self_link
from api.models import Credit, Health, Landing, Link
from geo.errors import DatabaseError, DatabaseUnavailable, translate_db_error
from geo.repo.health import postgis_version

router = APIRouter(tags=["meta"])

CREDITS = [
    Credit(name="IOM Missing Migrants Project", href="https://missingmigrants.iom.int/"),
    Credit(name="Made with Natural Earth", href="https://www.naturalearthdata.com/"),
]


def _openapi_media_type(openapi_version: str) -> str:
    """The type OGC API Common gives the service-desc link, naming the version served
    (``3.1.0`` -> ``version=3.1``), not a hard-coded one."""
    major_minor = ".".join(openapi_version.split(".")[:2])
    return f"application/vnd.oai.openapi+json;version={major_minor}"


@router.get(
    "/",
    name="landing",
    summary="Landing page",
    description="What this service is, where its documentation and data are, and data credits.",
    response_model=Landing,
    response_model_exclude_none=True,
    responses=INTERNAL_ERROR,
)
def landing(request: Request) -> Landing:
    app = request.app
    return Landing(
        title=app.title,
        description=app.description,
        version=app.version,
        links=[
            self_link(request, JSON, "This document"),
            Link(href=str(request.url_for("swagger_ui_html")), rel="service-doc",
                 type="text/html", title="Interactive API documentation"),
            Link(href=str(request.url_for("openapi")), rel="service-desc",
                 type=_openapi_media_type(app.openapi_version), title="OpenAPI definition"),
            route_link(request, "list_incidents", "data", GEOJSON, "Incidents"),
            route_link(request, "list_corridors", "data", JSON, "Corridors"),
            route_link(request, "ogc_landing", "data", JSON, "OGC API – Features (QGIS, GDAL)"),
            route_link(request, "list_countries", "data", JSON, "Countries and their codes"),
            route_link(request, "list_sources", "data", JSON, "Datasets, their credits and totals"),
            route_link(request, "healthz", "status", JSON, "Service health"),
        ],
        credits=CREDITS,
    )  # fmt: skip


@router.get(
    "/healthz",
    name="healthz",
    summary="Health check (database and PostGIS)",
    description=(
        "200 when the database answers `SELECT postgis_version()`, 503 problem+json otherwise. "
        "Uses the pool directly (never a shared request connection), so it reports the real "
        "state and turns 200 again as soon as the database is back, without a restart."
    ),
    response_model=Health,
    responses=SERVER_ERRORS,
)
def healthz(request: Request, engine: Annotated[Engine, Depends(get_engine)]) -> Health:
    try:
        with engine.connect() as conn:
            version = postgis_version(conn)
    except (sa_exc.DBAPIError, sa_exc.TimeoutError) as exc:
        error = translate_db_error(exc)
        if isinstance(error, DatabaseError):  # e.g. PostGIS missing: still "not serviceable"
            raise DatabaseUnavailable(str(error)) from exc
        raise error from exc
    return Health(status="ok", database="ok", postgis=version, version=request.app.version)
