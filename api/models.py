"""Response models: they define the OpenAPI schema and are what the tests validate against.

The incident list is serialised from plain dicts (see ``api/routers/incidents.py``) for speed at
limit=10000; these models describe exactly that shape.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from geojson_pydantic import Feature, FeatureCollection, MultiPolygon, Point, Polygon
from pydantic import BaseModel, ConfigDict, Field


class Link(BaseModel):
    href: str
    rel: str = Field(description="self, next, prev, service-doc, service-desc, data, …")
    type: str | None = None
    title: str | None = None


class SourceRecord(BaseModel):
    """One source's record of an event (see docs/dedupe.md)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Incident UUID of this record (resolves to the event).")
    source: str
    source_id: str = Field(description="The record's id within its source.")
    source_name: str | None
    date: dt.date | None = Field(description="The date this source gives (see date_precision).")
    date_precision: Literal["day", "month", "year"] | None
    match_score: float | None = Field(
        description="How well it matches the event's preferred record (0-1); null for that one."
    )


class IncidentProperties(BaseModel):
    """What is known about one incident. Counts are ``null`` when the source did not say."""

    model_config = ConfigDict(extra="forbid")

    date: dt.date | None = Field(description="Event date (see date_precision).")
    date_precision: Literal["day", "month", "year"] | None
    category: Literal["death", "disappearance", "pushback", "violence", "detention", "other"]
    dead: int | None
    missing: int | None
    dead_and_missing: int = Field(description="dead + missing, nulls counted as 0.")
    survivors: int | None
    injured: int | None
    pushed_back: int | None
    women: int | None
    men: int | None
    children: int | None
    cause: str | None
    location: str | None = Field(description="The source's description of the place.")
    country: str | None = Field(description="Natural Earth ADM0_A3 code, or 'at_sea'.")
    sea_area: str | None
    border: str | None = Field(description="Nearest land border as a pair, e.g. 'MEX-USA'.")
    border_distance_km: float | None
    coast_distance_km: float | None
    corridor: str | None = Field(description="Slug of the corridor the incident lies in.")
    h3: str | None = Field(
        description="H3 cell (hex string) at h3_res, the resolution the location allows."
    )
    h3_res: int | None = Field(
        description="Resolution of h3: the finest (0-9) whose average hexagon edge is at least "
        "uncertainty_m, so an incident known to ±20 km is not pinned to a 200 m cell."
    )
    precision: Literal["exact", "site", "locality", "admin", "country", "sea_area"] | None = Field(
        description="How well the place is known, finest first (see docs/import.md)."
    )
    uncertainty_m: float | None = Field(description="Radius of location uncertainty in metres.")
    location_source: Literal["source", "geocoded"] | None = Field(
        description="Where the point comes from: the source's coordinates, or its location text "
        "geocoded at import (offline gazetteer); null without a point."
    )
    precision_basis: Literal["coordinates", "text", "cumulative"] | None = Field(
        description="Why precision and uncertainty_m are what they are: 'coordinates' (the "
        "import's rule: the source's own fields, its coordinates' decimals, or the geocoder), "
        "'text' (widened to the area the location text names: 'Unspecified location between "
        "Libya and Italy' is a sea area, 'Mixed' the country of the point), 'cumulative' (a "
        "cumulative figure, never finer than an admin area); null without a point."
    )
    source: str
    source_name: str | None
    route: str | None = Field(description="The source's own route name.")
    review_state: Literal["unreviewed", "verified", "flagged"]
    sources: list[SourceRecord] = Field(
        description="Every public record of this event, preferred first (one if no other "
        "source reports it)."
    )


class IncidentFeature(Feature[Point, IncidentProperties]):
    """An incident (event); ``geometry`` is null when the source gave no coordinates.

    ``properties`` come from the event's preferred public record; ``properties.sources`` lists
    every public record of the event, the preferred one first. It sits inside ``properties`` so
    GIS clients (QGIS, GDAL) that drop foreign members still see it."""

    id: str = Field(description="Incident UUID of the event's preferred record.")
    links: list[Link] | None = Field(default=None, description="Only on the single-incident view.")


class IncidentCollection(FeatureCollection[IncidentFeature]):
    numberMatched: int = Field(
        description="Incidents (events, not source records) matching the filters, all pages."
    )
    numberReturned: int
    timeStamp: dt.datetime
    links: list[Link]


class CorridorTotals(BaseModel):
    incidents: int
    dead: int
    missing: int
    dead_and_missing: int
    first_event_date: dt.date | None
    last_event_date: dt.date | None


class Corridor(BaseModel):
    slug: str
    name: str
    kind: Literal["land", "sea", "mixed"]
    region: str
    description: str | None
    countries: list[str]
    mmp_routes: list[str] = Field(description="IOM MMP 'Migration route' names it covers.")
    area_km2: float | None
    catalogue_version: str
    totals: CorridorTotals = Field(
        description="Over public, non-rejected incidents; an event several sources report "
        "counts once, with its preferred record's figures."
    )
    links: list[Link]


class CorridorList(BaseModel):
    corridors: list[Corridor]
    numberMatched: int
    numberReturned: int
    timeStamp: dt.datetime
    links: list[Link]


class CorridorFeature(Feature[Polygon | MultiPolygon, Corridor]):
    id: str = Field(description="Corridor slug.")


class Credit(BaseModel):
    name: str
    href: str


class Landing(BaseModel):
    title: str
    description: str
    version: str
    links: list[Link]
    credits: list[Credit]


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    postgis: str
    version: str


class Problem(BaseModel):
    """RFC 9457 problem details (``application/problem+json``)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str
    request_id: str = Field(description="Also in the X-Request-ID header; quote it in reports.")
    parameter: str | None = Field(default=None, description="The query parameter at fault.")
