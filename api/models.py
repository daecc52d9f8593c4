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
    source_url: str | None = Field(
        description="This record's own link at its source (an http(s) URL, e.g. the MMP "
        "'URL' field); null when the source gives none or anything but one http(s) URL."
    )
    date: dt.date | None = Field(description="The date this source gives (see date_precision).")
    date_precision: Literal["day", "month", "year"] | None
    match_score: float | None = Field(
        description=(
            "How well it matches the event's preferred record (0-1); null for that one and for "
            "the parts of a split incident."
        )
    )
    link: Literal["match", "assigned", "part"] | None = Field(
        default=None,
        description=(
            "How this record joined the event (null for the preferred record): `match`, a "
            "distinct match; `assigned`, one of several records two exports of one source list "
            "alike (e.g. one body per row at a county's point), paired one to one so each counts "
            "once; `part`, one of the rows another export splits the incident into."
        ),
    )


class ReviewReason(BaseModel):
    """One reason the platform doubts a record, in words (no coordinates)."""

    model_config = ConfigDict(extra="forbid")

    check: str = Field(description="Machine-readable name of the check, e.g. 'country_mismatch'.")
    summary: str = Field(
        description="The reason in words and country names.",
        examples=[
            "The point is in Tunisia (TUN), 152.3 km from Libya (LBY), which the record names."
        ],
    )


class IncidentProperties(BaseModel):
    """What is known about one incident. Counts are ``null`` when the source did not say."""

    model_config = ConfigDict(extra="forbid")

    date: dt.date | None = Field(description="Event date (see date_precision).")
    date_precision: Literal["day", "month", "year"] | None
    category: Literal["death", "disappearance", "pushback", "violence", "detention", "other"]
    incident_type: Literal["incident", "cumulative", "split"] | None = Field(
        description="What the figures stand for: `incident` (one event), `cumulative` (deaths "
        "added up over a period or a stretch of border, e.g. a year in one desert sector), "
        "`split` (one event the source reports in parts); null when the source does not say."
    )
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
    source: str = Field(description="Dataset id of the preferred record (see /sources).")
    source_name: str | None
    source_url: str | None = Field(
        description="The preferred record's own link at its source (an http(s) URL, e.g. the "
        "MMP 'URL' field); null when the source gives none or anything but one http(s) URL "
        "(`javascript:`, `data:`, free text), so it is safe in an `<a href>`."
    )
    route: str | None = Field(description="The source's own route name.")
    review_state: Literal["unreviewed", "verified", "flagged"]
    review_reasons: list[ReviewReason] = Field(
        description="Why the platform doubts this record (its open quality flags), in words and "
        "country names, never coordinates; empty when nothing is doubted. A record whose point "
        "looked wrong but could not be fixed is served at its country or sea area, with the "
        "reason here (docs/quality.md)."
    )
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
    breakdown: CorridorBreakdown = Field(
        description="The same incidents by category, by year, and their most named causes."
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


class CountryTotals(BaseModel):
    incidents: int
    dead: int
    missing: int
    dead_and_missing: int


class Country(BaseModel):
    code: str = Field(
        description="Natural Earth ADM0_A3 code: what incidents carry in `country` (or `at_sea`)."
    )
    iso_a3: str | None = Field(
        description="ISO 3166-1 alpha-3 code; null where ISO has none (Kosovo, Akrotiri, "
        "Bir Tawil, ...) and for `at_sea`. Either code works in `country=`."
    )
    name: str
    continent: str | None
    region_un: str | None = Field(description="UN region (Africa, Americas, Asia, Europe, ...).")
    subregion: str | None = Field(description="UN subregion, e.g. 'Northern Africa'.")
    totals: CountryTotals = Field(
        description="Over public, non-rejected incidents matching the filters; an event several "
        "sources report counts once."
    )
    links: list[Link]


class CountryList(BaseModel):
    countries: list[Country]
    numberMatched: int
    numberReturned: int
    timeStamp: dt.datetime
    links: list[Link]


class SourceTotals(BaseModel):
    incidents: int = Field(
        description="Matching public events this dataset reports (as the preferred record or a "
        "linked one): what `/incidents?source=<id>` counts as `numberMatched`."
    )
    dead: int = Field(description="Their dead, each event's preferred record's figure.")
    missing: int
    dead_and_missing: int
    first_event_date: dt.date | None
    last_event_date: dt.date | None


class Source(BaseModel):
    """A dataset whose records the platform serves (``source`` of an incident)."""

    id: str = Field(description="Dataset id, what `source=` takes.", examples=["iom-mmp"])
    name: str = Field(description="Its name; the id itself when the catalogue does not list it.")
    url: str | None = Field(description="Its home page (http(s)); null when not catalogued.")
    credit: str = Field(
        description="The attribution a map or chart showing these records must display (the "
        "id itself when the catalogue does not list it).",
        examples=["IOM Missing Migrants Project"],
    )
    totals: SourceTotals = Field(
        description="Over public, non-rejected events matching the filters. An event several "
        "datasets report counts under each of them, so totals over all datasets may add up to "
        "more than `/incidents` counts."
    )
    links: list[Link]


class SourceList(BaseModel):
    sources: list[Source]
    numberMatched: int
    numberReturned: int
    timeStamp: dt.datetime
    links: list[Link]


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


class HeatmapCellRow(BaseModel):
    """One hexagon of a heatmap, as a row (``format=cells``; also each feature's properties)."""

    h3: str = Field(description="H3 cell id (hex string).", examples=["841ed93ffffffff"])
    value: float = Field(
        description="What the cell holds of the weight asked for: a whole number in coarse "
        "mode, a fraction where spread mode shares a roughly placed incident out."
    )
    resolution: int = Field(description="The cell's H3 resolution (coarser than asked when "
                            "`coarser` is true).")  # fmt: skip
    coarser: bool = Field(
        description="Coarse mode: the incidents here are known only to this bigger hexagon."
    )
    spread: float = Field(
        description="Spread mode: the part of `value` shared out from coarser cells (0 in "
        "coarse mode)."
    )
    incidents: float = Field(
        description="Incidents (events) in the cell, whatever the weight: a whole number in "
        "coarse mode, the shares spread here in spread mode (split as `value` is)."
    )
    dead: float = Field(description="Their dead (as `incidents`: whole or spread shares).")
    missing: float = Field(description="Their missing (as `incidents`).")
    dead_and_missing: float = Field(
        description="Their dead + missing, a count the source left empty counted as 0 (as "
        "`incidents`)."
    )


class HeatmapFeature(Feature[Polygon | MultiPolygon, HeatmapCellRow]):
    """A hexagon; a MultiPolygon when the cell is cut at the antimeridian."""

    id: str = Field(description="H3 cell id (hex string).")


class HeatmapCollection(FeatureCollection[HeatmapFeature]):
    resolution: int = Field(description="The resolution asked for (`res`).")
    mode: Literal["coarse", "spread"]
    weight: Literal["incidents", "dead", "missing", "dead_and_missing"]
    total: int = Field(
        description="The sum of every cell's `value`: the weight of the matching incidents "
        "that have a place."
    )
    unlocated: int = Field(
        description="The weight of matching incidents without a place (on no map). `total + "
        "unlocated` is the figure `/incidents` gives for the same filters."
    )
    incidents: int = Field(description="Matching incidents (events) that have a place.")
    unlocated_incidents: int = Field(description="Matching incidents without a place.")
    numberMatched: int = Field(description="Hexagons in the heatmap.")
    numberReturned: int
    timeStamp: dt.datetime
    links: list[Link]


class Figures(BaseModel):
    incidents: int = Field(description="Incidents (events; one per event however many sources).")
    dead: int
    missing: int
    dead_and_missing: int


class CategoryFigures(Figures):
    category: str


class YearFigures(Figures):
    year: int | None = Field(description="Year of the event date; null for undated incidents.")


class CauseFigures(Figures):
    cause: str = Field(description="A cause as the source words it (not harmonised).")
    share: float = Field(
        description="incidents naming this cause / the corridor's incidents (0-1). A record "
        "naming several causes counts under each, so shares may add up to more than 1."
    )


class CorridorBreakdown(BaseModel):
    by_category: list[CategoryFigures] = Field(description="Every category with incidents.")
    by_year: list[YearFigures] = Field(
        description="Every year with incidents, oldest first, then undated (year null). Sums "
        "to the totals."
    )
    top_causes: list[CauseFigures] = Field(
        description="The (up to) five causes most incidents name. MMP gives causes as lists "
        '("Starvation, Dehydration"): a record counts once under each cause it names, with '
        "its whole dead and missing (nothing is split), so these do not add up to the totals."
    )
    multi_cause_incidents: int = Field(description="Incidents whose record names several causes.")


class Period(Figures):
    period: str = Field(description="`2015` or `2015-03`.", examples=["2015-03"])
    start: dt.date
    end: dt.date


class YearOnlyFigures(Figures):
    year: int


class CorridorTimeSeries(BaseModel):
    slug: str
    interval: Literal["month", "year"]
    periods: list[Period] = Field(
        description="Every month or year in order, zeros included, from the first matching "
        "incident (or the datetime filter's start) to the last (or the filter's end)."
    )
    year_only: list[YearOnlyFigures] = Field(
        description="interval=month: incidents whose date is known only to the year, which no "
        "month can hold (empty for interval=year)."
    )
    undated: Figures = Field(description="Incidents without a date (none with a datetime filter).")
    totals: Figures = Field(
        description="periods + year_only + undated: what /incidents counts for the same filters."
    )
    links: list[Link]
