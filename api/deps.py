"""Request dependencies: the database connection and every shared query parameter.

Each parameter is parsed by a small function that raises ``geo.errors.InvalidInput`` with a
sentence saying what to send (the idea of tipg's ``dependencies.py``); routes receive typed
values and stay short. Parsing rules themselves live in ``geo.repo.filters`` so non-HTTP callers
share them.

Every parameter arrives as text, never as a type FastAPI checks: FastAPI validates a
dependency's parameters but still runs the dependencies after it (the connection among them),
so a ``limit: int`` given ``ten`` became a 503 while the database was down. ``WithJsonSchema``
keeps the real type in the OpenAPI document.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Annotated

import sqlalchemy.exc as sa_exc
from fastapi import Depends, Path, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import WithJsonSchema
from sqlalchemy.engine import Connection, Engine

from api.settings import Settings
from geo.errors import InvalidInput, shown, translate_db_error
from geo.repo.filters import (
    AT_SEA,
    CATEGORIES,
    INCIDENT_TYPES,
    PRECISIONS,
    REVIEW_STATES,
    BBox,
    Cursor,
    DateInterval,
    parse_bbox,
    parse_categories,
    parse_choice,
    parse_country,
    parse_datetime,
    parse_datetime_match,
    parse_incident_types,
    parse_limit,
    parse_max_uncertainty,
    parse_precisions,
    parse_review_states,
    parse_slug,
    parse_sources,
    parse_uuid,
)
from geo.repo.incidents import IncidentFilter
from maps import palette
from maps.i18n import DEFAULT_LANGUAGE, LANGUAGES


def query_parameters(request: Request) -> None:
    """Each query parameter once, and only those the route reads: a 400 otherwise.

    FastAPI would answer for the last of ``?category=death&category=pushback`` and ignore
    ``?categroy=death`` (a typo), each time serving other data than asked for without a word;
    OGC API Features asks for a 400 on unknown parameters too. The data routers run this
    before any parsing.
    """
    params = request.query_params
    known = _query_names(request.scope["route"])
    for name in dict.fromkeys(params.keys()):
        if name not in known:
            raise InvalidInput(
                f"unknown query parameter {shown(name)}; {request.url.path} takes "
                f"{', '.join(known) or 'none'}",
                parameter=name,
            )
        count = len(params.getlist(name))
        if count > 1:
            raise InvalidInput(
                f"{name} given {count} times; send it once (several values are comma-separated, "
                "e.g. category=death,pushback)",
                parameter=name,
            )


def _query_names(route: APIRoute) -> tuple[str, ...]:
    """The query parameters a route reads, its dependencies' included, in declared order."""

    def names(dependant: Dependant) -> Iterator[str]:
        yield from (field.alias for field in dependant.query_params)
        for sub in dependant.dependencies:
            yield from names(sub)

    return tuple(dict.fromkeys(names(route.dependant)))


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


@contextmanager
def read_only_connection(engine: Engine) -> Iterator[Connection]:
    """A pooled connection in a read-only transaction, rolled back on leaving.

    Read-only because the public API never writes: a bug cannot change data through it.
    A failure to connect becomes ``DatabaseUnavailable`` (503) here; errors during the query are
    translated by the exception handlers.
    """
    try:
        conn = engine.connect()
    except (sa_exc.DBAPIError, sa_exc.TimeoutError) as exc:
        raise translate_db_error(exc) from exc
    with conn:
        # psycopg then opens the transaction with BEGIN READ ONLY (no extra round trip); the pool
        # resets the flag when the connection is returned.
        readonly = conn.execution_options(postgresql_readonly=True)
        with readonly.begin():
            yield readonly


def get_conn(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Connection]:
    """The request's connection (``read_only_connection``). Routes take it after their
    parameters: FastAPI solves dependencies in order, so bad input is a 400 before any
    connection is checked out."""
    with read_only_connection(engine) as conn:
        yield conn


Conn = Annotated[Connection, Depends(get_conn)]


def bbox_param(
    bbox: Annotated[
        str | None,
        Query(
            description=(
                "Only incidents inside this box: `minx,miny,maxx,maxy` in WGS84 degrees. "
                "`minx > maxx` means the box crosses the antimeridian (e.g. `170,-20,-170,-10`)."
            ),
            examples=["11,33,16,38"],
        ),
    ] = None,
) -> BBox | None:
    return parse_bbox(bbox) if bbox is not None else None


def datetime_param(
    datetime: Annotated[
        str | None,
        Query(
            description=(
                "Event date filter, as in OGC API Features: one RFC 3339 date or date-time, or "
                "an interval `start/end` where one end may be `..` or empty for an open end "
                "(`2015-01-01/2015-12-31`, `2016-01-01/..`); both open is a 400 (omit "
                "`datetime` instead). Both ends are inclusive; date-times count by their UTC day. "
                "A record known only to the month or year is the interval of that month or "
                "year: by default it matches when that interval overlaps the asked one "
                "(see `datetime_match`)."
            ),
            examples=["2015-01-01/2015-12-31"],
        ),
    ] = None,
    datetime_match: Annotated[
        str | None,
        Query(
            description=(
                "How `datetime` treats a record known only to the month or year: `overlaps` "
                "(default) keeps it when its month or year shares a day with the asked interval "
                '("January 2014" is in `2014-01-02/2014-01-31`); `within` keeps it only when '
                "its whole month or year lies inside. Day-precise records are the same either "
                "way. Needs `datetime`."
            ),
            examples=["within"],
        ),
    ] = None,
) -> DateInterval | None:
    if datetime is None:
        if datetime_match is not None:
            raise InvalidInput(
                "datetime_match applies to a datetime filter; send datetime too "
                "(e.g. datetime=2014-01-01/2014-01-31&datetime_match=within)",
                parameter="datetime_match",
            )
        return None
    interval = parse_datetime(datetime)
    if datetime_match is None:
        return interval
    return replace(interval, match=parse_datetime_match(datetime_match))


def category_param(
    category: Annotated[
        str | None,
        Query(
            description=f"One or more of {', '.join(CATEGORIES)}, comma-separated.",
            examples=["death,disappearance"],
        ),
    ] = None,
) -> tuple[str, ...]:
    return parse_categories(category) if category is not None else ()


def corridor_param(
    corridor: Annotated[
        str | None,
        Query(
            description="Corridor slug (see `/corridors`); an unknown slug is a 400.",
            examples=["central-mediterranean"],
        ),
    ] = None,
) -> str | None:
    return parse_slug(corridor) if corridor is not None else None


def country_param(
    country: Annotated[
        str | None,
        Query(
            description=(
                "Country the incident happened in: an ISO 3166-1 alpha-3 code or Natural Earth's "
                "ADM0_A3 code (they differ for a few, e.g. ISO `ESH` = Natural Earth `SAH`, "
                "`PSE` = `PSX`; case-insensitive), or "
                f"`{AT_SEA}` for incidents on water. `/countries` lists every code; an unknown "
                "code is a 400."
            ),
            examples=["GRC"],
        ),
    ] = None,
) -> str | None:
    return parse_country(country) if country is not None else None


def precision_param(
    precision: Annotated[
        str | None,
        Query(
            description=(
                f"Location precision: one or more of {', '.join(PRECISIONS)}, comma-separated "
                "(how well the source or the geocoder knows the place; docs/import.md)."
            ),
            examples=["exact,site,locality"],
        ),
    ] = None,
) -> tuple[str, ...]:
    return parse_precisions(precision) if precision is not None else ()


def max_uncertainty_param(
    max_uncertainty_m: Annotated[
        str | None,
        WithJsonSchema({"type": "number", "minimum": 0, "examples": [10000]}),
        Query(
            description=(
                "Only incidents whose location uncertainty radius is at most this many metres; "
                "incidents without a location (or an unknown radius) are left out."
            ),
        ),
    ] = None,
) -> float | None:
    return parse_max_uncertainty(max_uncertainty_m) if max_uncertainty_m is not None else None


def incident_type_param(
    incident_type: Annotated[
        str | None,
        Query(
            description=(
                f"What the figures stand for: one or more of {', '.join(INCIDENT_TYPES)}, "
                "comma-separated. `cumulative` records add up deaths over a period or a stretch "
                "of border; `incident` is one event. Records whose source does not say match "
                "none."
            ),
            examples=["incident"],
        ),
    ] = None,
) -> tuple[str, ...]:
    return parse_incident_types(incident_type) if incident_type is not None else ()


def review_state_param(
    review_state: Annotated[
        str | None,
        Query(
            description=(
                f"Review state: one or more of {', '.join(REVIEW_STATES)}, comma-separated "
                "(`flagged`: a check found something doubtful, e.g. a point outside the country "
                "the text names). Rejected records are never served, so `rejected` is a 400."
            ),
            examples=["unreviewed,verified"],
        ),
    ] = None,
) -> tuple[str, ...]:
    return parse_review_states(review_state) if review_state is not None else ()


def source_param(
    source: Annotated[
        str | None,
        Query(
            description=(
                "Dataset id(s), comma-separated (`/sources` lists them with their names and "
                "credits): only events that one of these datasets reports, as the preferred "
                "record or as a linked record of the same event (docs/dedupe.md); the event's "
                "figures stay those of its preferred record. An id no public record carries "
                "is a 400."
            ),
            examples=["iom-mmp"],
        ),
    ] = None,
) -> tuple[str, ...]:
    return parse_sources(source) if source is not None else ()


def slug_path(
    slug: Annotated[str, Path(description="Corridor slug, e.g. `central-mediterranean`.")],
) -> str:
    return parse_slug(slug, parameter="slug")


def incident_id_path(
    id: Annotated[
        str,
        WithJsonSchema({"type": "string", "format": "uuid"}),
        Path(description="Incident UUID."),
    ],
) -> uuid.UUID:
    return parse_uuid(id)


@dataclass(frozen=True)
class Paging:
    limit: int
    cursor: Cursor | None


def paging_param(
    settings: Annotated[Settings, Depends(get_settings)],
    limit: Annotated[
        str | None,
        # maximum and default are the app's settings, filled in by api.app
        WithJsonSchema({"type": "integer", "minimum": 1}),
        Query(
            description=(
                "Page size: 1 to the server's maximum (CROSSINGS_MAX_LIMIT, 10000 unless "
                "configured); default CROSSINGS_DEFAULT_LIMIT (100). Larger is a 400."
            )
        ),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(description="Opaque position from a previous page's `next` link; do not build it."),
    ] = None,
) -> Paging:
    """``limit`` within 1..max_limit (400 otherwise, not silently capped) and a decoded cursor."""
    size = (
        settings.default_limit if limit is None else parse_limit(limit, maximum=settings.max_limit)
    )
    return Paging(size, Cursor.decode(cursor) if cursor is not None else None)


BBoxDep = Annotated[BBox | None, Depends(bbox_param)]
IntervalDep = Annotated[DateInterval | None, Depends(datetime_param)]
CategoriesDep = Annotated[tuple[str, ...], Depends(category_param)]
CorridorDep = Annotated[str | None, Depends(corridor_param)]
CountryDep = Annotated[str | None, Depends(country_param)]
PrecisionDep = Annotated[tuple[str, ...], Depends(precision_param)]
MaxUncertaintyDep = Annotated[float | None, Depends(max_uncertainty_param)]
IncidentTypeDep = Annotated[tuple[str, ...], Depends(incident_type_param)]
ReviewStateDep = Annotated[tuple[str, ...], Depends(review_state_param)]
SourcesDep = Annotated[tuple[str, ...], Depends(source_param)]
SlugDep = Annotated[str, Depends(slug_path)]
IncidentIdDep = Annotated[uuid.UUID, Depends(incident_id_path)]
PagingDep = Annotated[Paging, Depends(paging_param)]


def incident_filter(
    bbox: BBoxDep,
    interval: IntervalDep,
    categories: CategoriesDep,
    corridor: CorridorDep,
    country: CountryDep,
    precision: PrecisionDep,
    max_uncertainty_m: MaxUncertaintyDep,
    incident_type: IncidentTypeDep,
    review_state: ReviewStateDep,
    source: SourcesDep,
) -> IncidentFilter:
    """Every filter of ``/incidents`` in one value: each endpoint over public incidents
    (lists, heatmaps, clusters, statistics, tiles, exports) takes this dependency, so they all
    accept the same parameters with the same parsing and the same errors."""
    return IncidentFilter(
        bbox=bbox,
        interval=interval,
        categories=categories,
        corridor=corridor,
        country=country,
        precisions=precision,
        max_uncertainty_m=max_uncertainty_m,
        incident_types=incident_type,
        review_states=review_state,
        sources=source,
    )


IncidentFilterDep = Annotated[IncidentFilter, Depends(incident_filter)]
# The query parameters ``incident_filter`` reads: links to /incidents keep exactly these.
INCIDENT_FILTER_PARAMETERS = (
    "bbox", "datetime", "datetime_match", "category", "corridor", "country", "precision",
    "max_uncertainty_m", "source",
)  # fmt: skip


def theme_param(
    theme: Annotated[
        str | None,
        WithJsonSchema({"type": "string", "enum": list(palette.THEMES), "default": "light"}),
        Query(description="`light` (default) or `dark`: same data colours, other background."),
    ] = None,
) -> palette.Theme:
    if theme is None:
        return "light"
    return "dark" if parse_choice(theme, palette.THEMES, parameter="theme") == "dark" else "light"


def lang_param(
    lang: Annotated[
        str | None,
        WithJsonSchema({"type": "string", "enum": list(LANGUAGES), "default": DEFAULT_LANGUAGE}),
        Query(
            description="Language of the text: `en` (default), `fr`, `es` or `ar` (right to left)."
        ),
    ] = None,
) -> str:
    return DEFAULT_LANGUAGE if lang is None else parse_choice(lang, LANGUAGES, parameter="lang")


ThemeDep = Annotated[palette.Theme, Depends(theme_param)]
LangDep = Annotated[str, Depends(lang_param)]
