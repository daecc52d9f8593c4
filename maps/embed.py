"""The corridor embed: a light, self-contained page for a newsroom's ``<iframe>``.

Everything it shows is in the page: the basemap clipped to the corridor, the corridor's
outline, its hexagons and its figures, so it renders with no API call after the page itself (the
same HTML is what ``crossings export embeds`` writes for a CDN). Text comes from the
language's catalogue (``maps.i18n``); numbers come from the same geo functions as the API
(``geo.repo.corridor_stats.timeseries``, ``geo.heatmap.heatmap``), so the sentence, the table and
the hexagons add up to what ``/corridors/{slug}`` says for the same filters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from geo import heatmap as hm
from geo.hexagons import cell_geometry
from geo.repo.basemap import Box, countries_geojson, tolerance_for
from geo.repo.corridor_stats import Figures, TimeSeries, timeseries
from geo.repo.corridors import corridor_outline
from geo.repo.incidents import IncidentFilter
from geo.repo.sources import list_sources
from geo.repo.version import data_updated_at
from maps import palette
from maps.base import (
    CREDITS,
    DEFAULT_ASSETS,
    NATURAL_EARTH,
    Credit,
    Credits,
    OfflineMap,
    Page,
    asset,
    rounded,
    simplified,
)
from maps.base import basemap_layer as _basemap_layer
from maps.i18n import Catalogue, catalogue

# The message a parent page receives with the embed's height (newsroom embed convention).
HEIGHT_MESSAGE = "crossings:height"
MAP_WIDTH_PX = 900  # the basemap's simplification: about half a pixel at this width


@dataclass(frozen=True)
class EmbedLinks:
    """Where the embed points: the full map (corridor page), its static image, itself."""

    full_map: str | None  # None: no server to link to (a static export without --base-url)
    image: str
    canonical: str | None = None


def hexagon_resolution(bbox: list[float]) -> int:
    """H3 resolution for a corridor of this extent: a few hundred hexagons at most."""
    span = max(bbox[2] - bbox[0], bbox[3] - bbox[1])
    if span > 30:
        return 3
    if span > 8:
        return 4
    return 5


def _padded(bbox: list[float], share: float = 0.3, least: float = 2.0) -> Box:
    """The basemap's box: the corridor with room around it on every side, so the land does not
    end at the corridor's edge when the reader pans (the map stays inside it, and does not zoom
    out beyond the corridor: a wider basemap would double the page's weight)."""
    dx = max((bbox[2] - bbox[0]) * share, least)
    dy = max((bbox[3] - bbox[1]) * share, least)
    return (
        max(bbox[0] - dx, -180.0),
        max(bbox[1] - dy, -85.0),
        min(bbox[2] + dx, 180.0),
        min(bbox[3] + dy, 85.0),
    )


def _drawn(result: hm.HeatmapResult) -> list[hm.HeatmapCell]:
    """The cells the map draws: all but those far coarser than its hexagons (``ROUGH_LEVELS``),
    which the legend counts instead."""
    return [c for c in result.cells if result.resolution - c.resolution <= palette.ROUGH_LEVELS]


def _hexagons(drawn: list[hm.HeatmapCell], cat: Catalogue) -> dict[str, Any]:
    """The cells drawn as GeoJSON with what the page shows: colour class and a tooltip text."""
    features = []
    for cell in drawn:
        value = int(round(cell.weight))
        incidents = getattr(cell, "incidents", None)
        lines = [cat.t("embed.hex_tooltip", count=value, people=cat.number(value))]
        if incidents is not None:
            lines.append(cat.t("embed.hex_events", count=int(incidents), n=cat.number(incidents)))
        if cell.coarser:
            lines.append(cat.t("embed.hex_rough"))
        features.append(
            {
                "type": "Feature",
                "geometry": rounded(cell_geometry(cell.cell), 4),  # ~10 m
                "properties": {
                    "value": value,
                    "color": palette.color_for(value, "light"),
                    "coarser": cell.coarser,
                    "text": lines,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _period(series: TimeSeries, flt: IncidentFilter, cat: Catalogue) -> str:
    """The filter's period when it gives both ends, else the first to the last event."""
    interval = flt.interval
    dated = [p for p in series.periods if p.figures.incidents]
    start: date | None = interval.start if interval and interval.start else None
    end: date | None = interval.end if interval and interval.end else None
    if start is None and dated:
        start = dated[0].start
    if end is None and dated:
        end = dated[-1].end
    if start is None or end is None:
        return ""
    return cat.t("embed.period", start=cat.month_year(start), end=cat.month_year(end))


def _years(series: TimeSeries) -> list[tuple[int | None, Figures]]:
    years: dict[int | None, Figures] = {}
    for period in series.periods:
        if period.figures.incidents:
            years.setdefault(period.start.year, Figures()).add(period.figures)
    for year, figures in series.year_only.items():
        years.setdefault(year, Figures()).add(figures)
    if series.undated.incidents:
        years.setdefault(None, Figures()).add(series.undated)
    return sorted(years.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))


def corridor_embed(
    conn: Connection,
    *,
    slug: str,
    flt: IncidentFilter,
    theme: palette.Theme = "light",
    lang: str = "en",
    links: EmbedLinks,
    assets: str = DEFAULT_ASSETS,
) -> str:
    """The embed page (HTML) of corridor ``slug`` for the public events matching ``flt`` (its
    ``corridor`` is set to ``slug``). Unknown slug: ``NotFound``; bad lang: ``InvalidInput``."""
    cat = catalogue(lang)
    corridor = corridor_outline(conn, slug=slug)  # NotFound for an unknown slug
    flt = replace(flt, corridor=slug)
    bbox = corridor.bbox
    tolerance = tolerance_for((bbox[0], bbox[1], bbox[2], bbox[3]), MAP_WIDTH_PX)
    outline = simplified(corridor.geometry, tolerance)
    series = timeseries(conn, slug=slug, flt=replace(flt, corridor=None), interval="month")
    cells = hm.heatmap(
        conn, resolution=hexagon_resolution(bbox), flt=flt, weight="dead_and_missing"
    )
    box = _padded(bbox)
    colors = palette.theme_colors(theme)
    name = cat.corridor(slug, corridor.name)
    total = series.total
    period = _period(series, flt, cat)
    events = cat.t("embed.events", count=total.incidents, n=cat.number(total.incidents))
    if total.incidents:
        summary = cat.t(
            "embed.summary",
            count=total.dead_and_missing,
            people=cat.number(total.dead_and_missing),
            events=events,
            period=period,
        )
    else:
        summary = cat.t("embed.summary_none", period=period)
    categories = [cat.t(f"category.{c}") for c in flt.categories]
    updated = data_updated_at(conn)
    # the datasets whose records are drawn, credited as each asks (geo/data/sources.toml)
    sources = [Credit(s["credit"], s["url"]) for s in list_sources(conn, flt=flt)] or [
        c for c in CREDITS if c is not NATURAL_EARTH
    ]

    m = OfflineMap(
        assets=assets,
        location=[(box[1] + box[3]) / 2, (box[0] + box[2]) / 2],
        zoom_start=4,
        scroll_wheel_zoom=False,
        position="relative",
        width="100%",
        height="100%",
        min_zoom=2,
        max_zoom=10,
        zoom_snap=0.25,  # fit the corridor tightly: a whole zoom step out would show the
        zoom_delta=0.5,  # basemap's clipped edge
    )
    basemap = countries_geojson(conn, box=box, tolerance_deg=tolerance)
    _basemap_layer(basemap, land=colors.land, border=colors.borders).add_to(m)
    Credits().add_to(m)

    drawn = _drawn(cells)
    omitted = int(round(cells.total - sum(c.weight for c in drawn)))
    config = {
        "slug": slug,
        "map": m.get_name(),
        "bounds": [[bbox[1], bbox[0]], [bbox[3], bbox[2]]],
        "limits": [[box[1], box[0]], [box[3], box[2]]],
        "outline": outline,
        "hexagons": _hexagons(drawn, cat),
        "omitted": omitted,  # dead and missing counted but not drawn (placed to a wide area)
        "palette": palette.palette(),
        "theme": theme,
        "message": HEIGHT_MESSAGE,
    }
    page = Page(
        "embed.html",
        title=f"{name} · Crossings",
        lang=cat.lang,
        dir=cat.dir,
        cat=cat,
        name=name,
        summary=summary,
        categories=categories,
        theme=theme,
        colors=colors,
        classes=palette.CLASSES,
        coarse_shown=any(c.coarser for c in drawn),
        no_count_shown=any(int(round(c.weight)) == 0 for c in drawn),
        omitted=omitted,
        years=_years(series),
        sources=sources,
        basemap_credit=NATURAL_EARTH,
        updated=cat.day(updated.date()) if updated else None,
        links=links,
        config=config,
        css=asset(assets, "crossings/embed.css"),
        js=asset(assets, "crossings/embed.js"),
        map_label=cat.t("embed.map_label", corridor=name),
    )
    page.add_child(m)
    return page.render()


def embed_config_json(html: str) -> dict[str, Any]:
    """The data an embed page carries (tests and the exporter read it back)."""
    start = html.index('<script type="application/json" id="crossings-embed">') + len(
        '<script type="application/json" id="crossings-embed">'
    )
    return dict(json.loads(html[start : html.index("</script>", start)]))
