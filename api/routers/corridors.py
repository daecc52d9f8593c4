"""``/corridors``: the corridor catalogue with incident totals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import WithJsonSchema

from api.deps import (
    INCIDENT_FILTER_PARAMETERS,
    Conn,
    IncidentFilterDep,
    IntervalDep,
    SlugDep,
    SourcesDep,
    query_parameters,
)
from api.errors import DATA_ERRORS, not_found
from api.links import GEOJSON, JSON, filtered_link, incidents_link, route_link, self_link
from api.models import (
    CategoryFigures,
    CauseFigures,
    Corridor,
    CorridorBreakdown,
    CorridorFeature,
    CorridorList,
    CorridorTimeSeries,
    CorridorTotals,
    Figures,
    Period,
    YearFigures,
    YearOnlyFigures,
)
from geo.repo import corridor_stats as stats
from geo.repo import corridors as repo
from geo.repo.filters import DateInterval, parse_choice
from geo.repo.incidents import IncidentFilter

router = APIRouter(tags=["corridors"], dependencies=[Depends(query_parameters)])


class GeoJSONResponse(JSONResponse):
    """Served as ``application/geo+json``, the type the ``alternate`` link announces."""

    media_type = GEOJSON


_DATETIME_NOTE = (
    " With `datetime`, totals and breakdowns count only incidents whose event date is inside "
    "it; with `source`, only the events those datasets report (see `/sources`). `breakdown` "
    "gives the same incidents by category, by year and by their most named causes (a record "
    "naming several causes counts under each)."
)


def _figures(f: stats.Figures) -> dict[str, int]:
    return f.to_dict()


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _breakdown(row: Any, b: stats.Breakdown | None) -> CorridorBreakdown:
    """``b`` is None for a corridor without matching incidents: every list empty."""
    b = b or stats.Breakdown()
    incidents = row["incidents"]
    return CorridorBreakdown(
        by_category=[
            CategoryFigures(category=k, **_figures(f)) for k, f in sorted(b.by_category.items())
        ],
        by_year=[
            YearFigures(year=k, **_figures(f))
            for k, f in sorted(b.by_year.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
        ],
        top_causes=[
            CauseFigures(
                cause=k, share=f.incidents / incidents if incidents else 0.0, **_figures(f)
            )
            for k, f in b.top_causes()
        ],
        multi_cause_incidents=b.multi_cause_incidents,
    )


def _corridor(request: Request, row: Any, breakdown: stats.Breakdown | None) -> Corridor:
    slug = row["slug"]
    return Corridor(
        slug=slug,
        name=row["name"],
        kind=row["kind"],
        region=row["region"],
        description=row["description"],
        countries=list(row["countries"]),
        mmp_routes=list(row["mmp_routes"]),
        area_km2=row["area_km2"],
        catalogue_version=row["catalogue_version"],
        totals=CorridorTotals(
            incidents=row["incidents"],
            dead=row["dead"],
            missing=row["missing"],
            dead_and_missing=row["dead_and_missing"],
            first_event_date=row["first_event_date"],
            last_event_date=row["last_event_date"],
        ),
        breakdown=_breakdown(row, breakdown),
        links=[
            route_link(request, "get_corridor", "self", JSON, "This corridor", slug=slug),
            route_link(request, "get_corridor_feature", "alternate", GEOJSON, "Outline", slug=slug),
            route_link(
                request, "get_corridor_timeseries", "related", JSON, "Time series", slug=slug
            ),
            incidents_link(request, "Incidents in this corridor", corridor=slug),
        ],
    )


@router.get(
    "/corridors",
    name="list_corridors",
    summary="Corridors with incident totals",
    description=(
        "Every corridor of the catalogue (by slug) with the number of public incidents inside "
        "it, their dead, missing and dead-and-missing sums and first/last event date."
        + _DATETIME_NOTE
    ),
    response_model=CorridorList,
    responses=DATA_ERRORS,
)
def list_corridors(
    request: Request, interval: IntervalDep, source: SourcesDep, conn: Conn
) -> CorridorList:
    items = list(corridor_summaries(request, conn, interval=interval, sources=source).values())
    return CorridorList(
        corridors=items,
        numberMatched=len(items),
        numberReturned=len(items),
        timeStamp=datetime.now(UTC),
        links=[self_link(request)],
    )


def corridor_summaries(
    request: Request,
    conn: Conn,
    *,
    interval: DateInterval | None,
    slug: str | None = None,
    sources: tuple[str, ...] = (),
) -> dict[str, Corridor]:
    """Every corridor (or the one of ``slug``: 404 if unknown) with its totals and breakdown,
    by slug, as ``/corridors`` serves them (OGC API Features serves the same)."""
    if slug is None:
        rows = list(repo.list_corridors(conn, interval=interval, sources=sources))
    else:
        rows = [repo.get_corridor(conn, slug=slug, interval=interval, sources=sources)]
    flt = IncidentFilter(interval=interval, corridor=slug, sources=sources)
    found = stats.breakdowns(conn, flt=flt)
    return {row["slug"]: _corridor(request, row, found.get(row["slug"])) for row in rows}


def _one(
    request: Request,
    conn: Conn,
    slug: str,
    interval: DateInterval | None,
    sources: tuple[str, ...],
) -> Corridor:
    return corridor_summaries(request, conn, interval=interval, slug=slug, sources=sources)[slug]


@router.get(
    "/corridors/{slug}",
    name="get_corridor",
    summary="One corridor with incident totals",
    description="One corridor's attributes and totals, without its outline." + _DATETIME_NOTE,
    response_model=Corridor,
    responses={**DATA_ERRORS, **not_found("corridor")},
)
def get_corridor(
    request: Request, slug: SlugDep, interval: IntervalDep, source: SourcesDep, conn: Conn
) -> Corridor:
    return _one(request, conn, slug, interval, source)


@router.get(
    "/corridors/{slug}/feature",
    name="get_corridor_feature",
    summary="One corridor as a GeoJSON Feature (outline + totals)",
    description=(
        "The corridor's (multi)polygon outline with the same properties as `/corridors/{slug}`, "
        "as a GeoJSON Feature whose `bbox` is the outline's extent." + _DATETIME_NOTE
    ),
    response_model=CorridorFeature,
    response_class=GeoJSONResponse,
    responses={**DATA_ERRORS, **not_found("corridor")},
)
def get_corridor_feature(
    request: Request, slug: SlugDep, interval: IntervalDep, source: SourcesDep, conn: Conn
) -> CorridorFeature:
    props = _one(request, conn, slug, interval, source)
    geometry, bbox = repo.corridor_geometry(conn, slug=slug)
    return CorridorFeature.model_validate(
        {
            "type": "Feature",
            "id": slug,
            "bbox": bbox,
            "geometry": geometry,
            "properties": props.model_dump(),
        }
    )


def interval_param(
    interval: Annotated[
        str | None,
        WithJsonSchema({"type": "string", "enum": list(stats.INTERVALS), "default": "year"}),
        Query(
            description=(
                "`year` (default) or `month`. With `month`, an incident known only to its year "
                "cannot be put in a month: it is counted in `year_only`, not spread or guessed."
            ),
            examples=["month"],
        ),
    ] = None,
) -> stats.Interval:
    if interval is None:
        return "year"
    value = parse_choice(interval, stats.INTERVALS, parameter="interval")
    return "month" if value == "month" else "year"


def _series_figures(f: stats.Figures) -> Figures:
    return Figures(**f.to_dict())


@router.get(
    "/corridors/{slug}/timeseries",
    name="get_corridor_timeseries",
    summary="A corridor's incidents, dead and missing per month or year",
    description=(
        "The corridor's public incidents matching the filters (every `/incidents` filter "
        "applies; each event counted once) per `interval`, with a zero for every month or "
        "year in which none is recorded, from the first matching incident (or the `datetime` "
        "filter's start) to the last (or its end). A record known to the day or month counts in "
        "its month; one known only to its year counts in its year, and with `interval=month` "
        "in `year_only`. Undated incidents are counted in `undated`. `totals` is the sum of "
        "all three and equals what `/incidents?corridor={slug}` counts for the same filters. "
        "`corridor`, if sent, must be this slug. An unknown slug is a 404."
    ),
    response_model=CorridorTimeSeries,
    responses={**DATA_ERRORS, **not_found("corridor")},
)
def get_corridor_timeseries(
    request: Request,
    slug: SlugDep,
    flt: IncidentFilterDep,
    interval: Annotated[stats.Interval, Depends(interval_param)],
    conn: Conn,
) -> CorridorTimeSeries:
    repo.get_corridor(conn, slug=slug)  # 404 for an unknown slug
    series = stats.timeseries(conn, slug=slug, flt=flt, interval=interval)
    return CorridorTimeSeries(
        slug=slug,
        interval=series.interval,
        periods=[
            Period(period=p.label, start=p.start, end=p.end, **p.figures.to_dict())
            for p in series.periods
        ],
        year_only=[YearOnlyFigures(year=y, **f.to_dict()) for y, f in series.year_only.items()],
        undated=_series_figures(series.undated),
        totals=_series_figures(series.total),
        links=[
            self_link(request, JSON, "This time series"),
            route_link(request, "get_corridor", "up", JSON, "The corridor", slug=slug),
            filtered_link(
                request,
                "list_incidents",
                "items",
                GEOJSON,
                "The incidents counted",
                keep=INCIDENT_FILTER_PARAMETERS,
                corridor=slug,
            ),
        ],
    )
