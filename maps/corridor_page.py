"""The corridor page (``/corridors/{slug}/map``): a corridor's map, numbers, chart and embed code.

Everything is read through the geo functions the API serves (``geo.repo.corridors``,
``geo.repo.corridor_stats``, ``geo.clusters``, ``geo.heatmap``, ``geo.repo.basemap``), so the
page shows the very numbers of ``/corridors/{slug}``, its time series and its clusters. The map
is a folium map with the Natural Earth basemap clipped to the corridor (no tiles), the corridor
outline, its hexagons coloured with the product's one scale (``maps.palette``) and its cluster
hulls. The chart is inline SVG drawn here, with a table holding the same numbers for screen
readers and for copying. Data text reaches the page only through the autoescaping template.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import folium
from shapely.geometry import mapping
from sqlalchemy.engine import Connection

from geo import clusters as clusters_domain
from geo import h3index, hexagons
from geo.heatmap import heatmap
from geo.repo import basemap
from geo.repo import corridor_stats as stats
from geo.repo import corridors as corridors_repo
from geo.repo.filters import CATEGORIES, DateInterval
from geo.repo.incidents import IncidentFilter
from maps import oembed, palette
from maps.base import (
    CREDITS,
    DEFAULT_ASSETS,
    Credits,
    LocalFullscreen,
    OfflineMap,
    Page,
    asset,
    basemap_layer,
)

MAP_WIDTH_PX = 1000  # the map's width on a desktop screen: drives simplification and hexagons
HEX_MIN_PX = 12  # the smallest hexagon (vertex to vertex) worth drawing at that width
HEX_RESOLUTIONS = range(1, 8)
ROUGH_LEVELS = palette.ROUGH_LEVELS
MONTHLY_UP_TO_YEARS = 6  # a series of up to this many years is drawn per month, else per year
MAX_CLUSTERS_LISTED = 8
CHART = {"width": 1040, "height": 250, "left": 52, "right": 8, "top": 12, "bottom": 28}


@dataclass(frozen=True)
class Filters:
    """The page's filters as parsed values and as the raw query text links keep."""

    interval: DateInterval | None = None
    categories: tuple[str, ...] = ()
    query: dict[str, str] = field(default_factory=dict)  # datetime, datetime_match, category

    def incident_filter(self, slug: str) -> IncidentFilter:
        return IncidentFilter(interval=self.interval, categories=self.categories, corridor=slug)


def corridor_page(
    conn: Connection,
    *,
    slug: str,
    filters: Filters,
    base: str,
    assets: str = DEFAULT_ASSETS,
    cache_age: int = 3600,
) -> str:
    """The whole HTML page (``NotFound`` for an unknown slug). ``base`` is the server's
    absolute base URL: the canonical, embed, image and oEmbed links are absolute."""
    row = corridors_repo.get_corridor(conn, slug=slug, interval=filters.interval)
    geometry, bbox = corridors_repo.corridor_geometry(conn, slug=slug)
    flt = filters.incident_filter(slug)
    interval = _series_interval(row)
    series = stats.timeseries(conn, slug=slug, flt=replace(flt, corridor=None), interval=interval)
    breakdown = stats.breakdowns(conn, flt=flt).get(slug, stats.Breakdown())
    found = clusters_domain.corridor_clusters(
        conn, slug=slug, flt=replace(flt, corridor=None), params=clusters_domain.ClusterParams()
    )
    urls = _urls(base, slug, filters)
    name = str(row["name"])
    totals = series.total
    period = _period(row, series, filters)
    summary = _summary(totals, period)
    colors = palette.theme_colors("light")

    fmap, heat_note = _map(conn, geometry, bbox, flt, found, colors, assets)
    page = Page(
        "corridor.html",
        title=f"{name} · Crossings",
        lang="en",
        dir="ltr",
        assets=assets,
        css=asset(assets, "crossings/corridor.css"),
        js=asset(assets, "crossings/corridor.js"),
        corridor=row,
        name=name,
        summary=summary,
        totals=totals,
        period=period,
        filtered=bool(filters.query),
        filter_note=_filter_note(filters),
        urls=urls,
        year_links=_year_links(urls["page_base"], row, filters),
        category_links=_category_links(urls["page_base"], filters),
        legend=_legend(colors),
        heat_note=heat_note,
        chart=_chart(series, interval),
        causes=_causes(breakdown, totals.incidents),
        clusters=_clusters(found),
        cluster_params=clusters_domain.ClusterParams(),
        # plain text: the template escapes it into the textarea, which shows it literally
        embed_code=str(
            oembed.iframe_html(src=urls["embed"], title=oembed.embed_title(name), slug=slug)
        ),
        credits=[c.html() for c in CREDITS],
        countries=", ".join(row["countries"] or ()),
    )
    page.add_child(fmap)
    return page.render()


# --- links -------------------------------------------------------------------------------


def _urls(base: str, slug: str, filters: Filters) -> dict[str, str]:
    root = base.rstrip("/")
    page_base = f"{root}/corridors/{slug}/map"
    page = oembed.with_query(page_base, filters.query)
    image = oembed.with_query(f"{root}/embed/corridors/{slug}.png", filters.query)
    return {
        "root": f"{root}/",
        "page_base": page_base,
        "page": page,
        "embed": oembed.with_query(f"{root}/embed/corridors/{slug}", filters.query),
        "image": image,
        "oembed": oembed.with_query(f"{root}/oembed", {"url": page, "format": "json"}),
        "api": oembed.with_query(
            f"{root}/corridors/{slug}",
            {k: v for k, v in filters.query.items() if k != "category"},
        ),
        "timeseries": oembed.with_query(f"{root}/corridors/{slug}/timeseries", filters.query),
        "clusters": oembed.with_query(f"{root}/corridors/{slug}/clusters", filters.query),
        "incidents": oembed.with_query(f"{root}/incidents", {**filters.query, "corridor": slug}),
        "corridors": f"{root}/corridors",
    }


@dataclass(frozen=True)
class Chip:
    label: str
    href: str
    current: bool


def _year_links(page_base: str, row: Any, filters: Filters) -> list[Chip]:
    """All years, then each year of the corridor's (unfiltered) record."""
    keep = {k: v for k, v in filters.query.items() if k == "category"}
    chips = [Chip("All years", oembed.with_query(page_base, keep), "datetime" not in filters.query)]
    first, last = row["first_event_date"], row["last_event_date"]
    if filters.interval is not None or first is None or last is None:
        return chips  # the filtered row's dates are the filter's: offer just the way back
    for year in range(first.year, last.year + 1):
        value = f"{year}-01-01/{year}-12-31"
        href = oembed.with_query(page_base, {"datetime": value, **keep})
        chips.append(Chip(str(year), href, filters.query.get("datetime") == value))
    return chips


def _category_links(page_base: str, filters: Filters) -> list[Chip]:
    keep = {k: v for k, v in filters.query.items() if k in ("datetime", "datetime_match")}
    chips = [Chip("All categories", oembed.with_query(page_base, keep), not filters.categories)]
    for category in CATEGORIES:
        href = oembed.with_query(page_base, {**keep, "category": category})
        chips.append(Chip(category.capitalize(), href, tuple(filters.categories) == (category,)))
    return chips


def _filter_note(filters: Filters) -> str:
    parts = []
    if "datetime" in filters.query:
        parts.append(f"dates {filters.query['datetime']}")
    if filters.categories:
        parts.append("category " + ", ".join(filters.categories))
    return "; ".join(parts)


# --- numbers -----------------------------------------------------------------------------


def _series_interval(row: Any) -> stats.Interval:
    first, last = row["first_event_date"], row["last_event_date"]
    if first is None or last is None:
        return "year"
    return "month" if last.year - first.year + 1 <= MONTHLY_UP_TO_YEARS else "year"


def _day(d: date) -> str:
    return f"{d.day}\u00a0{d:%b}\u00a0{d.year}"  # a date never breaks across lines


def _period(row: Any, series: stats.TimeSeries, filters: Filters) -> str:
    """The first and last event dates; with a category filter the corridor's dates are not the
    category's, so the first and last non-empty periods of the series are shown instead."""
    if not filters.categories:
        first, last = row["first_event_date"], row["last_event_date"]
        if first is None or last is None:
            return "no dated incidents"
        return _day(first) if first == last else f"{_day(first)} – {_day(last)}"
    busy = [p for p in series.periods if p.figures.incidents]
    years = sorted(series.year_only)
    labels = [_period_label(p.start, series.interval) for p in busy]
    if years:
        labels = sorted([*labels, *(str(y) for y in years)])
    if not labels:
        return "no dated incidents"
    return labels[0] if labels[0] == labels[-1] else f"{labels[0]} – {labels[-1]}"


def _period_label(start: date, interval: stats.Interval) -> str:
    return f"{start:%b %Y}" if interval == "month" else str(start.year)


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _summary(totals: stats.Figures, period: str) -> str:
    if not totals.incidents:
        return "No incidents are recorded here for these filters."
    people = totals.dead_and_missing
    events = "incident" if totals.incidents == 1 else "incidents"
    who = "person" if people == 1 else "people"
    return f"{people:,} {who} recorded dead or missing in {totals.incidents:,} {events} ({period})."


def _causes(breakdown: stats.Breakdown, incidents: int) -> list[dict[str, Any]]:
    out = []
    for cause, figures in breakdown.top_causes():
        share = figures.incidents / incidents if incidents else 0.0
        out.append(
            {
                "cause": cause,
                "incidents": figures.incidents,
                "dead_and_missing": figures.dead_and_missing,
                "share": share,
                "percent": f"{share:.0%}",
                "bar": max(1.0, round(share * 100, 1)),
            }
        )
    return out


def _lat_lon(lon: float, lat: float) -> str:
    ns = "N" if lat >= 0 else "S"
    ew = "E" if lon >= 0 else "W"
    return f"{abs(lat):.1f}°{ns}, {abs(lon):.1f}°{ew}"


def _clusters(found: clusters_domain.CorridorClusters) -> dict[str, Any]:
    items = []
    for c in found.clusters[:MAX_CLUSTERS_LISTED]:
        dates = ""
        if c.first_event_date and c.last_event_date:
            dates = f"{c.first_event_date:%b %Y} – {c.last_event_date:%b %Y}"
        items.append(
            {
                "rank": c.rank,
                "id": c.id,
                "where": _lat_lon(*c.centroid),
                "incidents": c.tally.incidents,
                "dead": c.tally.dead,
                "missing": c.tally.missing,
                "share": f"{c.share:.0%}",
                "dates": dates,
            }
        )
    return {
        "list": items,
        "count": len(found.clusters),
        "more": max(0, len(found.clusters) - MAX_CLUSTERS_LISTED),
        "clustered": found.clustered.incidents,
        "total": found.total.incidents,
    }


# --- chart -------------------------------------------------------------------------------


def _nice_max(value: int) -> int:
    if value <= 5:
        return 5
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        top = step * magnitude
        if top >= value:
            return int(math.ceil(top))
    return int(10 * magnitude)  # pragma: no cover


def _chart(series: stats.TimeSeries, interval: stats.Interval) -> dict[str, Any]:
    """Bars of dead and missing per period, in SVG user units (the SVG scales to its box)."""
    w, h = CHART["width"], CHART["height"]
    left, right, top, bottom = CHART["left"], CHART["right"], CHART["top"], CHART["bottom"]
    periods = series.periods
    peak = max((p.figures.dead_and_missing for p in periods), default=0)
    ymax = _nice_max(peak)
    plot_w, plot_h = w - left - right, h - top - bottom
    slot = plot_w / len(periods) if periods else plot_w
    gap = min(2.0, slot * 0.2) if interval == "month" else slot * 0.25
    bars, ticks = [], []
    for n, p in enumerate(periods):
        value = p.figures.dead_and_missing
        bar_h = plot_h * value / ymax if ymax else 0
        label = _period_label(p.start, interval)
        bars.append(
            {
                "period": p.label,
                "value": value,
                "incidents": p.figures.incidents,
                "x": round(left + n * slot + gap / 2, 2),
                "y": round(top + plot_h - bar_h, 2),
                "width": round(max(slot - gap, 0.5), 2),
                "height": round(bar_h, 2),
                "title": f"{label}: {value:,} dead and missing in "
                f"{_count(p.figures.incidents, 'incident')}",
            }
        )
        if interval == "year" or p.start.month == 1 or n == 0:
            ticks.append({"x": round(left + n * slot + slot / 2, 2), "label": str(p.start.year)})
    # thin the year labels when they would collide (about 34 units each)
    step = max(1, math.ceil(len(ticks) * 34 / plot_w)) if ticks else 1
    grid = [
        {"y": round(top + plot_h - plot_h * f, 2), "label": f"{int(ymax * f):,}"}
        for f in (0, 0.25, 0.5, 0.75, 1)
    ]
    year_only = sum(f.dead_and_missing for f in series.year_only.values())
    return {
        "interval": interval,
        "unit": "month" if interval == "month" else "year",
        "bars": bars,
        "ticks": ticks[::step],
        "grid": grid,
        "width": w,
        "height": h,
        "left": left,
        "right": w - right,
        "baseline": top + plot_h,
        "peak": peak,
        "year_only": year_only,
        "year_only_incidents": sum(f.incidents for f in series.year_only.values()),
        "undated": series.undated.dead_and_missing,
        "undated_incidents": series.undated.incidents,
        "rows": [b for b in bars if b["incidents"]],
        "description": _chart_description(bars, interval),
    }


def _chart_description(bars: list[dict[str, Any]], interval: stats.Interval) -> str:
    if not bars:
        return "No dated incidents for these filters."
    peak = max(bars, key=lambda b: b["value"])
    total = sum(b["value"] for b in bars)
    return (
        f"{len(bars)} {interval}s from {bars[0]['period']} to {bars[-1]['period']}; "
        f"{total:,} dead and missing in all, the most in {peak['period']} ({peak['value']:,})."
    )


# --- map ---------------------------------------------------------------------------------


def _resolution(bbox: list[float]) -> int:
    """The finest H3 resolution whose hexagons are still ``HEX_MIN_PX`` across on the map."""
    minx, miny, maxx, maxy = bbox
    mid = math.radians((miny + maxy) / 2)
    span_m = max((maxx - minx) * 111_320 * math.cos(mid), (maxy - miny) * 111_320 * 1.4, 1.0)
    m_per_px = span_m / MAP_WIDTH_PX
    usable = [r for r in HEX_RESOLUTIONS if 2 * h3index.EDGE_M[r] / m_per_px >= HEX_MIN_PX]
    return max(usable) if usable else HEX_RESOLUTIONS[0]


def _merc_y(lat: float) -> float:
    lat = max(-85.0, min(85.0, lat))
    return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))


def _lat(merc_y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(math.radians(merc_y))) - math.pi / 2)


def _basemap_box(bbox: list[float], slack: float = 1.3) -> basemap.Box:
    """The area the basemap must cover: the map fits the corridor into a frame from 1:1
    (phones) to 2.2:1 (desktops), so it shows up to that much more than the corridor across
    or down (in Web Mercator), and up to ``slack`` times more as it snaps to a quarter zoom
    level; beyond the box the map would show sea where land is."""
    minx, miny, maxx, maxy = bbox
    y0, y1 = _merc_y(miny), _merc_y(maxy)
    width, height = maxx - minx, y1 - y0
    half_w = max(width, 2.2 * height) * slack / 2 + 1.0
    half_h = max(height, width) * slack / 2 + 1.0
    cx, cy = (minx + maxx) / 2, (y0 + y1) / 2
    return (
        max(-180.0, cx - half_w),
        max(-85.0, _lat(cy - half_h)),
        min(180.0, cx + half_w),
        min(85.0, _lat(cy + half_h)),
    )


def _map(
    conn: Connection,
    geometry: dict[str, Any],
    bbox: list[float],
    flt: IncidentFilter,
    found: clusters_domain.CorridorClusters,
    colors: palette.ThemeColors,
    assets: str,
) -> tuple[OfflineMap, str]:
    box = _basemap_box(bbox)
    fmap = OfflineMap(
        assets=assets,
        location=[(bbox[1] + bbox[3]) / 2, (bbox[0] + bbox[2]) / 2],
        zoom_start=4,
        min_zoom=2,
        max_zoom=10,
        width="100%",
        height="100%",
        prefer_canvas=False,
        scroll_wheel_zoom=False,
        zoom_snap=0.25,
    )
    countries = basemap.countries_geojson(
        conn, box=box, tolerance_deg=basemap.tolerance_for(box, MAP_WIDTH_PX)
    )
    basemap_layer(countries, land=colors.land, border=colors.borders).add_to(fmap)
    folium.GeoJson(
        {"type": "Feature", "properties": {}, "geometry": geometry},
        name="Corridor",
        style_function=lambda _f: {
            "color": colors.corridor,
            "weight": 1.6,
            "fill": True,
            "fillColor": colors.corridor,
            "fillOpacity": 0.05,
            "dashArray": "6 4",
        },
        interactive=False,
        control=False,
    ).add_to(fmap)

    resolution = _resolution(bbox)
    heat = heatmap(conn, resolution=resolution, flt=flt, weight=palette.WEIGHT)
    features, rough_out = [], 0
    for cell in heat.cells:
        if resolution - cell.resolution > ROUGH_LEVELS:
            rough_out += 1
            continue
        value = int(cell.weight)
        rough = cell.resolution < resolution
        label = f"{value:,} dead and missing"
        if value == 0:
            label = "incidents with no count of dead or missing"
        if rough:
            label += " (place known only roughly: the larger hexagon)"
        features.append(
            {
                "type": "Feature",
                "id": h3index.to_hex(cell.cell),
                "properties": {
                    "label": label,
                    "value": value,
                    "fill": palette.color_for(value, "light"),
                    "rough": rough,
                },
                "geometry": hexagons.cell_geometry(cell.cell),
            }
        )
    if features:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            name="Dead and missing per hexagon",
            style_function=lambda f: {
                "color": f["properties"]["fill"],
                "weight": 1.2 if f["properties"]["rough"] else 0.4,
                "fillColor": f["properties"]["fill"],
                "fillOpacity": 0.18 if f["properties"]["rough"] else 0.85,
            },
            highlight_function=lambda _f: {"weight": 2, "color": colors.text},
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False, sticky=True),
        ).add_to(fmap)

    hulls = [
        {
            "type": "Feature",
            "id": c.id,
            "properties": {
                "label": f"Cluster {c.rank}: {c.tally.incidents:,} incidents, "
                f"{c.tally.dead:,} dead, {c.tally.missing:,} missing"
            },
            "geometry": mapping(c.hull),
        }
        for c in found.clusters
    ]
    if hulls:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": hulls},
            name="Clusters",
            style_function=lambda _f: {
                "color": colors.text,
                "weight": 1.4,
                "fill": False,
                "dashArray": "2 3",
            },
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False, sticky=True),
        ).add_to(fmap)

    for c in found.clusters[:MAX_CLUSTERS_LISTED]:  # numbered as in the list beside the map
        folium.Marker(
            location=[c.centroid[1], c.centroid[0]],
            icon=folium.DivIcon(
                html=f'<span class="cx-pin">{int(c.rank)}</span>',
                icon_size=(20, 20),
                icon_anchor=(10, 10),
                class_name="cx-pin-icon",
            ),
            tooltip=f"Cluster {c.rank}: {c.tally.incidents:,} incidents",
            keyboard=False,
        ).add_to(fmap)
    fmap.fit_bounds([[bbox[1], bbox[0]], [bbox[3], bbox[2]]], padding=(12, 12))
    LocalFullscreen(assets=assets, position="topleft").add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)
    Credits().add_to(fmap)
    across_km = 2 * h3index.EDGE_M[resolution] / 1000
    note = f"Hexagons about {across_km:,.0f} km across (H3 resolution {resolution})."
    if rough_out:
        note += (
            f" {rough_out} area{'s' if rough_out != 1 else ''} known only to a much larger "
            "region not drawn."
        )
    if heat.unlocated_incidents:
        note += f" {heat.unlocated_incidents:,} incidents without a location are not mapped."
    return fmap, note


def _legend(colors: palette.ThemeColors) -> dict[str, Any]:
    return {
        "classes": [{"color": c.color, "label": c.label} for c in palette.CLASSES],
        "no_count": colors.no_count,
        "sea": colors.sea,
        "corridor": colors.corridor,
        "cluster": colors.text,
    }


def not_found_page(message: str, *, base: str, assets: str = DEFAULT_ASSETS) -> str:
    """The 404 page a browser gets for an unknown corridor (API clients get problem+json)."""
    root = base.rstrip("/")
    return Page(
        "not_found.html",
        title="Not found · Crossings",
        message=message,
        css=asset(assets, "crossings/corridor.css"),
        root=f"{root}/",
        corridors=f"{root}/corridors",
    ).render()
