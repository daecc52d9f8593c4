"""Static corridor maps (PNG and SVG) for social cards, ``<noscript>`` fallbacks and exports.

One picture per corridor, drawn offline with matplotlib's object API (a ``Figure`` and its own
canvas, never pyplot's global figure list, so requests can render in parallel threads):

- Web Mercator, like the web map, over the corridor's bounding box, padded and widened to the
  image's aspect;
- the sea, the Natural Earth countries (``geo.repo.basemap``, simplified to about a pixel);
- the corridor outline (``geo.repo.corridors.corridor_outline``);
- the dead and missing of the corridor's public events in H3 hexagons (``geo.heatmap``, coarse
  mode: an event placed only roughly stays in its own bigger hexagon), coloured with
  ``maps.palette``, at the finest resolution whose hexagons are still ~12 px across, or up
  to two coarser where most places are known only that roughly (``_supported_resolution``);
- the corridor name, one line of numbers (dead and missing, events, period), the legend and
  the credit.

Layout is in pixels scaled with the image, measured with the Agg renderer so titles never
overflow. SVG output keeps text as text, has no date and uses a fixed id salt: the same data
gives the same bytes (ETags and caches rely on it).
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal, get_args

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import PathPatch, Rectangle, RegularPolygon
from matplotlib.path import Path
from matplotlib.text import Text
from sqlalchemy.engine import Connection

from geo import h3index
from geo.errors import InvalidInput, shown
from geo.heatmap import HeatmapResult, heatmap
from geo.hexagons import cell_geometry
from geo.repo.basemap import countries_geojson, tolerance_for
from geo.repo.corridor_stats import breakdowns
from geo.repo.corridors import corridor_outline
from geo.repo.filters import DateInterval
from geo.repo.incidents import IncidentFilter
from maps import palette
from maps.base import simplified

Format = Literal["png", "svg"]
FORMATS: tuple[str, ...] = get_args(Format)
MIN_WIDTH, MAX_WIDTH = 200, 2400
MIN_HEIGHT, MAX_HEIGHT = 150, 2400
DEFAULT_WIDTH, DEFAULT_HEIGHT = 1200, 630  # the og:image size
CREDIT = "IOM Missing Migrants Project \u00b7 Natural Earth"
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml"}

_DPI = 100  # figure inches x 100 = pixels
_R = 6378137.0  # Web Mercator sphere radius (m)
_MAX_LAT = 85.0511287798  # Web Mercator's latitude limit
_MAX_HEX_SHARE = 0.06  # no hexagon wider than this share of the map
_HEX_TARGET_PX = 12  # the smallest hexagon (vertex to vertex) worth drawing, at scale 1
_RES_RANGE = range(1, 8)  # H3 resolutions an image picks from (~1,000 km to ~2.5 km across)
ROUGH_ALPHA = 0.14  # fill of a hexagon coarser than the map (its edge is full colour)
ROUGH_LEVELS = palette.ROUGH_LEVELS
_FAMILY = ["sans-serif"]  # DejaVu Sans (bundled with matplotlib); SVG lists CSS fallbacks
# SVG ids (clip paths) are random unless salted, and the date is written unless removed; both
# are process-wide rcParams, so SVG renders set them under this lock and restore them after.
_SVG_LOCK = threading.Lock()
# Renders are CPU-bound and a 2400 x 2400 canvas holds 23 MB: at most this many at once, so a
# burst of distinct image requests queues here instead of taking every thread and the memory.
_RENDER_SLOTS = threading.BoundedSemaphore(max(2, os.cpu_count() or 2))
_SVG_RC: dict[Any, Any] = {"svg.hashsalt": "crossings", "svg.fonttype": "none"}


def corridor_image(
    conn: Connection,
    *,
    slug: str,
    flt: IncidentFilter | None = None,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    theme: str = "light",
    fmt: str = "png",
) -> bytes:
    """The corridor ``slug`` as a ``width`` x ``height`` PNG or SVG (``fmt``).

    ``flt`` narrows the events drawn and counted (date interval, categories...); its corridor
    is always ``slug``. Raises ``NotFound`` for an unknown slug and ``InvalidInput`` for a size,
    theme or format out of range.
    """
    check_size(width, height)
    if theme not in palette.THEMES:
        raise InvalidInput(
            f"theme must be one of {', '.join(palette.THEMES)}; got {shown(theme)}",
            parameter="theme",
        )
    if fmt not in FORMATS:
        raise InvalidInput(
            f"format must be one of {', '.join(FORMATS)}; got {shown(fmt)}", parameter="format"
        )
    flt = replace(flt or IncidentFilter(), corridor=slug)
    data = read_map(conn, slug=slug, flt=flt, width=width, height=height)
    with _RENDER_SLOTS:
        fig = _draw(data, width=width, height=height, colors=palette.theme_colors(theme))
        return _encode(fig, fmt=fmt, title=data.name)


def check_size(width: int, height: int) -> None:
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise InvalidInput(
            f"width must be an integer from {MIN_WIDTH} to {MAX_WIDTH} pixels; got {width}",
            parameter="width",
        )
    if not MIN_HEIGHT <= height <= MAX_HEIGHT:
        raise InvalidInput(
            f"height must be an integer from {MIN_HEIGHT} to {MAX_HEIGHT} pixels; got {height}",
            parameter="height",
        )


# --- reading -------------------------------------------------------------------------------


@dataclass
class MapData:
    """What an image draws: the corridor, the basemap, the hexagons and the figures."""

    name: str
    outline: dict[str, Any]  # GeoJSON geometry
    countries: list[dict[str, Any]]  # GeoJSON geometries
    view: MapView
    heat: HeatmapResult
    years: tuple[int, int] | None  # first and last year with a dated event
    interval: DateInterval | None
    categories: Sequence[str]


@dataclass(frozen=True)
class MapView:
    """The map's extent in Web Mercator metres (matching the map area's aspect), and where the
    map area sits in the image (it fills the image below the header band)."""

    x0: float
    y0: float
    x1: float
    y1: float
    width_px: float
    height_px: float
    top_px: float = 0.0  # the header's height: the map starts this far from the image's top

    def pixel(self, lon: float, lat: float) -> tuple[float, float]:
        """Where (lon, lat) is drawn: pixels from the image's left and top edges."""
        x, y = _to_merc(lon, lat)
        return (
            float((x - self.x0) * self.px_per_m),
            self.top_px + float((self.y1 - y) * self.px_per_m),
        )

    @property
    def lonlat_box(self) -> tuple[float, float, float, float]:
        (lon0, lon1), (lat0, lat1) = _to_lonlat([self.x0, self.x1], [self.y0, self.y1])
        return (max(lon0, -180.0), max(lat0, -_MAX_LAT), min(lon1, 180.0), min(lat1, _MAX_LAT))

    @property
    def px_per_m(self) -> float:
        return self.width_px / (self.x1 - self.x0)


def read_map(
    conn: Connection, *, slug: str, flt: IncidentFilter, width: int, height: int
) -> MapData:
    """Everything the image of ``slug`` at this size draws, read in one go (the hexagons'
    resolution depends on the size). ``flt.corridor`` must be ``slug``."""
    corridor = corridor_outline(conn, slug=slug)  # NotFound for an unknown slug
    bbox = corridor.bbox
    layout = _Layout.for_size(width, height)
    view = replace(_fit_view(bbox, width, layout.map_height), top_px=layout.header)
    box = view.lonlat_box
    # a little wider than the view, so no clipped edge of a country shows inside the frame
    pad_x, pad_y = (box[2] - box[0]) * 0.02, (box[3] - box[1]) * 0.02
    query_box = (
        max(box[0] - pad_x, -180.0),
        max(box[1] - pad_y, -90.0),
        min(box[2] + pad_x, 180.0),
        min(box[3] + pad_y, 90.0),
    )
    tolerance = tolerance_for(query_box, width)
    basemap = json.loads(countries_geojson(conn, box=query_box, tolerance_deg=tolerance))
    finest = _resolution(view, scale=layout.scale)
    heat = heatmap(conn, resolution=finest, flt=flt, weight=palette.WEIGHT)
    supported = _supported_resolution(heat, view)
    if supported != finest:  # most places are known more roughly than the pixels allow
        heat = heatmap(conn, resolution=supported, flt=flt, weight=palette.WEIGHT)
    years = sorted(
        y for b in breakdowns(conn, flt=flt).values() for y in b.by_year if y is not None
    )
    return MapData(
        name=corridor.name,
        outline=simplified(corridor.geometry, tolerance),
        countries=[f["geometry"] for f in basemap["features"] if f["geometry"]],
        view=view,
        heat=heat,
        years=(years[0], years[-1]) if years else None,
        interval=flt.interval,
        categories=tuple(flt.categories),
    )


def _to_merc(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    lon = np.asarray(lon, dtype=float)
    lat = np.clip(np.asarray(lat, dtype=float), -_MAX_LAT, _MAX_LAT)
    return np.radians(lon) * _R, _R * np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))


def _to_lonlat(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return np.degrees(x / _R), np.degrees(2 * np.arctan(np.exp(y / _R)) - np.pi / 2)


def _fit_view(bbox: Sequence[float], width_px: float, height_px: float) -> MapView:
    """The corridor's box in Mercator, padded ~7% a side and widened to the map's aspect."""
    (x0, x1), (y0, y1) = _to_merc([bbox[0], bbox[2]], [bbox[1], bbox[3]])
    min_span = 150_000.0  # never closer than ~150 km across: context for the smallest corridors
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w = max(x1 - x0, min_span) * 1.14
    h = max(y1 - y0, min_span) * 1.14
    aspect = width_px / height_px
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return MapView(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, width_px, height_px)


def _across_px(view: MapView, res: int) -> float:
    """How many pixels a hexagon of ``res`` spans (vertex to vertex) at the map's centre."""
    _, lat = _to_lonlat(0, (view.y0 + view.y1) / 2)
    stretch = 1 / math.cos(math.radians(float(lat)))  # Mercator enlarges by 1/cos(lat)
    return 2 * h3index.EDGE_M[res] * stretch * view.px_per_m


def _resolution(view: MapView, *, scale: float) -> int:
    """The finest H3 resolution whose hexagons are at least ~12 px (x scale) across here."""
    target = max(_HEX_TARGET_PX * scale, 8.0)
    fitting = [res for res in _RES_RANGE if _across_px(view, res) >= target]
    return fitting[-1] if fitting else _RES_RANGE[0]


def _supported_resolution(heat: HeatmapResult, view: MapView) -> int:
    """The resolution the data supports, up to ``ROUGH_LEVELS`` coarser than ``heat``'s.

    An event is stored at the finest cell its location uncertainty allows; when most of the
    dead and missing near the map's resolution sit in coarser cells (e.g. a corridor whose
    records are placed to ~10 km on a map that could show 3 km), drawing at the map's
    resolution would show nearly everything as "known only roughly". Returns the finest
    resolution holding at least 60% of that weight at itself or finer, but never one whose
    hexagons are wider than ``_MAX_HEX_SHARE`` of the map (they would hide it).
    """
    low = heat.resolution - ROUGH_LEVELS
    while low < heat.resolution and _across_px(view, low) > _MAX_HEX_SHARE * view.width_px:
        low += 1
    by_res: dict[int, float] = {}
    for cell in heat.cells:
        if cell.resolution >= low:
            by_res[cell.resolution] = by_res.get(cell.resolution, 0.0) + cell.weight
    total = sum(by_res.values())
    share = 0.0
    for res in range(heat.resolution, low, -1):
        share += by_res.get(res, 0.0)
        if total <= 0 or share >= 0.6 * total:
            return res
    return max(low, _RES_RANGE[0])


# --- layout --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """Pixel sizes for an image: a header band (title, numbers, legend) above the map.

    Sizes scale with the image from the og:image height (630) or a 900 px width, whichever
    is tighter, with floors so text stays legible on thumbnails. Compact images (thumbnails)
    keep the title, the numbers, the map and the credit, and leave out the notes.
    """

    width: int
    height: int
    scale: float
    pad: float
    title_px: float
    line_px: float
    small_px: float
    header: float  # header band height; the map fills the rest
    compact: bool

    @property
    def map_height(self) -> float:
        return self.height - self.header

    @classmethod
    def for_size(cls, width: int, height: int) -> _Layout:
        scale = min(max(min(width / 900, height / 630), 0.3), 2.0)
        pad = max(22 * scale, 7.0)
        title_px = max(30 * scale, 13.0)
        line_px = max(17 * scale, 10.0)
        small_px = max(12.5 * scale, 9.0)
        header = pad + title_px * 1.15 + 6 * scale + line_px * 1.2 + pad * 0.9
        header = min(header, height * 0.45)
        compact = width < 480 or height < 320
        return cls(width, height, scale, pad, title_px, line_px, small_px, header, compact)


def _pt(px: float) -> float:
    """Matplotlib sizes fonts in points; our layout is in pixels."""
    return px * 72 / _DPI


# --- drawing -------------------------------------------------------------------------------


def _draw(data: MapData, *, width: int, height: int, colors: palette.ThemeColors) -> Figure:
    lay = _Layout.for_size(width, height)
    fig = Figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI, facecolor=colors.paper)
    renderer = FigureCanvasAgg(fig).get_renderer()  # measures text; PNG output uses it too
    _draw_map(fig, data, lay, colors)

    # header band: title and numbers on the left, the legend on the right when it fits
    map_top = lay.map_height / height
    _band(fig, (0, map_top, 1, 1 - map_top), colors.paper)
    _band(fig, (0, map_top, 1, max(1.0, 2 * lay.scale) / height), colors.accent)  # the rule
    numbers = _numbers_line(data)
    legend = _LegendSpec.measure(fig, renderer, lay, data.heat)
    text_w = max(
        _measure(fig, renderer, data.name, lay.title_px, weight="bold"),
        _measure(fig, renderer, numbers, lay.line_px),
    )
    legend_in_header = 2 * lay.pad + text_w + 1.5 * lay.pad + legend.width <= width
    max_text_w = width - 2 * lay.pad
    if legend_in_header:
        max_text_w -= legend.width + 1.5 * lay.pad
        legend.draw(fig, lay, colors, left=width - lay.pad - legend.width, top=height - lay.pad)
    top = height - lay.pad
    _fit_text(
        fig, renderer, data.name, x=lay.pad, y=top, px=lay.title_px, max_w=max_text_w,
        color=colors.text, weight="bold",
    )  # fmt: skip
    _fit_text(
        fig, renderer, numbers, x=lay.pad, y=top - lay.title_px * 1.15 - 6 * lay.scale,
        px=lay.line_px, max_w=max_text_w, color=colors.muted,
    )  # fmt: skip

    # on the map: the credit bottom right; the legend (when not in the header) and the notes
    # stacked bottom left, above the credit's row where they would run into it
    credit_left, credit_top = _draw_credit(fig, renderer, lay, colors)
    stack = _Stack(lay, credit_left=credit_left, credit_top=credit_top)
    if not legend_in_header:
        panel_w, panel_h = legend.width + 2 * legend.inset, legend.height + 2 * legend.inset
        if lay.map_height >= 3 * panel_h:  # else a thumbnail: the map matters more
            x, y = stack.place(panel_w, panel_h)
            _panel(fig, lay, colors, x, y, panel_w, panel_h)
            legend.draw(fig, lay, colors, left=x + legend.inset, top=y + panel_h - legend.inset)
    if not lay.compact:
        _draw_notes(fig, renderer, lay, colors, _notes(data.heat), stack)
    return fig


def _draw_map(fig: Figure, data: MapData, lay: _Layout, colors: palette.ThemeColors) -> None:
    """Sea, land, corridor wash, hexagons, corridor outline: in that order, bottom up."""
    view = data.view
    ax = fig.add_axes((0.0, 0.0, 1.0, lay.map_height / lay.height))
    ax.set_xlim(view.x0, view.x1)
    ax.set_ylim(view.y0, view.y1)
    ax.set_aspect("auto")  # the view already has the map's aspect
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.patch.set_facecolor(colors.sea)
    # add_artist, not add_patch or autolim: those walk every vertex for limits set above
    land = _path(data.countries)
    if land is not None:
        width = max(0.5, 0.6 * lay.scale)
        ax.add_artist(
            PathPatch(land, facecolor=colors.land, edgecolor=colors.borders, linewidth=width)
        )
    outline = _path([data.outline])
    if outline is not None:
        ax.add_artist(PathPatch(outline, facecolor=colors.corridor_fill, edgecolor="none"))
    _draw_hexagons(ax, data.heat, colors, linewidth=max(0.4, 0.5 * lay.scale))
    if outline is not None:
        ax.add_artist(
            PathPatch(
                outline,
                facecolor="none",
                edgecolor=colors.corridor,
                linewidth=max(0.8, 1.3 * lay.scale),
                linestyle=(0, (4, 2.5)),
                alpha=0.85,
            )
        )


def _band(fig: Figure, rect: tuple[float, float, float, float], color: str) -> None:
    """A solid rectangle in figure fractions (x, y, width, height)."""
    x, y, w, h = rect
    fig.add_artist(
        Rectangle((x, y), w, h, transform=fig.transFigure, facecolor=color, edgecolor="none")
    )


def _panel(
    fig: Figure, lay: _Layout, colors: palette.ThemeColors, x: float, y: float, w: float, h: float
) -> None:
    """A translucent paper panel (pixels from the bottom left) so text reads over the map."""
    fig.add_artist(
        Rectangle(
            (x / lay.width, y / lay.height),
            w / lay.width,
            h / lay.height,
            transform=fig.transFigure,
            facecolor=colors.paper,
            edgecolor="none",
            alpha=0.86,
        )
    )


@dataclass
class _Stack:
    """Panels piled up from the bottom left of the map, clear of the credit."""

    lay: _Layout
    credit_left: float
    credit_top: float
    y: float = -1.0

    def place(self, w: float, h: float) -> tuple[float, float]:
        """The bottom-left corner (pixels) for a ``w`` x ``h`` panel."""
        gap = self.lay.pad * 0.3
        x = self.lay.pad * 0.5
        if self.y < 0:
            self.y = self.lay.pad * 0.5
        if x + w > self.credit_left - gap and self.y < self.credit_top:
            self.y = self.credit_top + gap
        y = self.y
        self.y = y + h + gap
        return x, y


def _rings(geometries: Iterable[dict[str, Any]]) -> Iterable[Sequence[Sequence[float]]]:
    for geom in geometries:
        if geom["type"] == "Polygon":
            yield from geom["coordinates"]
        elif geom["type"] == "MultiPolygon":
            for polygon in geom["coordinates"]:
                yield from polygon


def _path(geometries: Iterable[dict[str, Any]]) -> Path | None:
    """One compound path in Mercator for many (Multi)Polygons; holes wind the other way
    (GeoJSON's rule), so the non-zero fill leaves them open."""
    vertices: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for ring in _rings(geometries):
        if len(ring) < 4:
            continue
        arr = np.asarray(ring, dtype=float)[:, :2]
        x, y = _to_merc(arr[:, 0], arr[:, 1])
        vertices.append(np.column_stack([x, y]))
        c = np.full(len(arr), Path.LINETO, dtype=np.uint8)
        c[0], c[-1] = Path.MOVETO, Path.CLOSEPOLY
        codes.append(c)
    if not vertices:
        return None
    return Path(np.concatenate(vertices), np.concatenate(codes))


def _draw_hexagons(
    ax: Any, heat: HeatmapResult, colors: palette.ThemeColors, *, linewidth: float
) -> None:
    """Events placed more roughly than the map's hexagons stay in their own bigger cell
    (geo.heatmap's coarse mode). Up to ``ROUGH_LEVELS`` resolutions coarser, the cell is drawn
    as a faint wash with an edge in its class colour: the count is shown, no precise place is
    suggested. Coarser still (a whole sea or country, hexagons wider than the map) the cell
    would only hide the map: it is counted in a note instead (``_omitted``). Cells at the map's
    resolution are drawn solid, on top."""
    rough: tuple[list[np.ndarray], list[str]] = ([], [])
    exact: tuple[list[np.ndarray], list[str]] = ([], [])
    for cell in heat.cells:
        if heat.resolution - cell.resolution > ROUGH_LEVELS:
            continue  # counted in the note, not drawn (see _omitted)
        cls = palette.color_class(cell.weight)
        face = cls.color if cls is not None else colors.no_count
        polygons, faces = rough if cell.coarser else exact
        for ring in _rings([cell_geometry(cell.cell)]):
            arr = np.asarray(ring, dtype=float)
            x, y = _to_merc(arr[:, 0], arr[:, 1])
            polygons.append(np.column_stack([x, y]))
            faces.append(face)
    if rough[0]:
        ax.add_collection(
            PolyCollection(
                rough[0],
                facecolors=[to_rgba(f, ROUGH_ALPHA) for f in rough[1]],
                edgecolors=rough[1],
                linewidths=linewidth * 2.4,
            ),
            autolim=False,
        )
    if exact[0]:
        ax.add_collection(
            PolyCollection(
                exact[0], facecolors=exact[1], edgecolors=colors.hex_edge, linewidths=linewidth
            ),
            autolim=False,
        )


def _text(
    fig: Figure,
    s: str,
    *,
    x: float,
    y: float,
    px: float,
    color: str,
    weight: str = "normal",
    ha: str = "left",
    va: str = "top",
) -> Text:
    """Text at pixel position (x, y from the bottom left); never parsed as mathtext, so a
    ``$`` in a corridor name stays a dollar sign."""
    return fig.text(
        x / fig.bbox.width,
        y / fig.bbox.height,
        s,
        fontproperties=FontProperties(family=_FAMILY, size=_pt(px), weight=weight),
        color=color,
        ha=ha,
        va=va,
        parse_math=False,
        zorder=3,  # above the panels
    )


def _width(renderer: Any, text: Text) -> float:
    return float(text.get_window_extent(renderer).width)


def _measure(fig: Figure, renderer: Any, s: str, px: float, *, weight: str = "normal") -> float:
    probe = _text(fig, s, x=0, y=0, px=px, color="black", weight=weight)
    width = _width(renderer, probe)
    probe.remove()
    return width


def _fit_text(
    fig: Figure,
    renderer: Any,
    s: str,
    *,
    x: float,
    y: float,
    px: float,
    max_w: float,
    color: str,
    weight: str = "normal",
) -> Text:
    """``s`` in at most ``max_w`` pixels: shrunk down to 80%, then cut with an ellipsis."""
    text = _text(fig, s, x=x, y=y, px=px, color=color, weight=weight)
    w = _width(renderer, text)
    if w <= max_w:
        return text
    text.set_fontsize(_pt(max(px * max_w / w, px * 0.8)))
    cut = s
    while len(cut) > 1 and _width(renderer, text) > max_w:
        keep = int(len(cut) * max_w / _width(renderer, text)) - 1
        cut = cut[: max(1, min(keep, len(cut) - 1))].rstrip()
        text.set_text(cut + "\u2026")
    return text


def _numbers_line(data: MapData) -> str:
    """Dead and missing, events (each once), the period and the categories asked for."""
    heat = data.heat
    people = heat.total + heat.unlocated
    events = heat.incidents + heat.unlocated_incidents
    if events == 0:  # absence from the data is not absence of deaths: say which it is
        parts = ["No events in the data"]
    else:
        parts = [
            f"{people:,} dead and missing",
            f"{events:,} {'event' if events == 1 else 'events'}",
        ]
    period = _period(data.interval, data.years)
    if period:
        parts.append(period)
    if data.categories:
        parts.append(", ".join(data.categories))
    if heat.unlocated:
        parts.append(f"{heat.unlocated:,} not on the map (no location)")
    return " \u00b7 ".join(parts)


def _day(d: date) -> str:
    return f"{d.day} {d:%b} {d.year}"


def _period(interval: DateInterval | None, years: tuple[int, int] | None) -> str:
    """The asked interval when there is one, else the years the events span."""
    if interval is not None and (interval.start or interval.end):
        start, end = interval.start, interval.end
        if start and end:
            if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
                return (
                    f"{start.year}" if start.year == end.year else f"{start.year}\u2013{end.year}"
                )
            return f"{_day(start)} \u2013 {_day(end)}"
        if start:
            return f"since {_day(start)}"
        assert end is not None
        return f"until {_day(end)}"
    if years is None:
        return ""
    return f"{years[0]}" if years[0] == years[1] else f"{years[0]}\u2013{years[1]}"


@dataclass
class _LegendSpec:
    """The ramp as a row of hexagon swatches over their counts, under a title saying what a
    hexagon counts and how wide it is; sizes measured before it is placed."""

    title: str
    label_px: float
    cell_w: float
    title_w: float
    inset: float

    @property
    def width(self) -> float:
        return self.cell_w * len(palette.CLASSES)

    @property
    def height(self) -> float:
        return self.label_px * 3.9

    @classmethod
    def measure(cls, fig: Figure, renderer: Any, lay: _Layout, heat: HeatmapResult) -> _LegendSpec:
        label_px = lay.small_px
        across_km = 2 * h3index.EDGE_M[heat.resolution] / 1000
        title = f"Dead and missing per hexagon (\u2248{_nice_km(across_km)} km across)"
        widest = max(_measure(fig, renderer, c.label, label_px) for c in palette.CLASSES)
        title_w = _measure(fig, renderer, title, label_px)
        cell_w = max(widest + 8 * lay.scale, title_w / len(palette.CLASSES))
        return cls(title, label_px, cell_w, title_w, lay.pad * 0.45)

    def draw(
        self, fig: Figure, lay: _Layout, colors: palette.ThemeColors, *, left: float, top: float
    ) -> None:
        px = self.label_px
        title_x = left + (self.width - self.title_w) / 2
        _text(fig, self.title, x=title_x, y=top, px=px, color=colors.text)
        radius = px * 0.62
        y = top - px * 1.55 - radius
        for i, cls in enumerate(palette.CLASSES):
            cx = left + self.cell_w * (i + 0.5)
            fig.add_artist(
                RegularPolygon(
                    (cx / _DPI, y / _DPI),  # in inches: SVG output draws at 72 dpi
                    numVertices=6,
                    radius=radius / _DPI,
                    orientation=0,
                    transform=fig.dpi_scale_trans,
                    facecolor=cls.color,
                    edgecolor=colors.hex_edge,
                    linewidth=0.5,
                    zorder=3,
                )
            )
            _text(
                fig, cls.label, x=cx, y=y - radius - px * 0.35, px=px, color=colors.muted,
                ha="center",
            )  # fmt: skip


def _nice_km(km: float) -> str:
    if km >= 100:
        return f"{round(km, -1):,.0f}"
    if km >= 10:
        return f"{round(km):.0f}"
    return f"{km:.1f}"


def _notes(heat: HeatmapResult) -> list[str]:
    """What the hexagons cannot show by themselves: cells drawn as outlines, cells left out."""
    lines = []
    if any(c.coarser and heat.resolution - c.resolution <= ROUGH_LEVELS for c in heat.cells):
        lines.append("Outlined hexagons: places known only roughly")
    omitted = sum(
        int(c.weight) for c in heat.cells if heat.resolution - c.resolution > ROUGH_LEVELS
    )
    if omitted:
        lines.append(
            f"{omitted:,} dead and missing placed only to a wide area (a sea, a country) "
            "are counted, not drawn"
        )
    return lines


def _draw_notes(
    fig: Figure,
    renderer: Any,
    lay: _Layout,
    colors: palette.ThemeColors,
    lines: list[str],
    stack: _Stack,
) -> None:
    if not lines:
        return
    px = lay.small_px * 0.95
    step = px * 1.3
    inset = lay.pad * 0.35
    max_w = lay.width - lay.pad - 2 * inset
    width = min(max(_measure(fig, renderer, line, px) for line in lines), max_w)
    height = step * len(lines) + inset * 1.2
    x, y = stack.place(width + 2 * inset, height)
    _panel(fig, lay, colors, x, y, width + 2 * inset, height)
    top = y + height - inset * 0.6
    for line in lines:
        _fit_text(fig, renderer, line, x=x + inset, y=top, px=px, max_w=max_w, color=colors.text)
        top -= step


def _draw_credit(
    fig: Figure, renderer: Any, lay: _Layout, colors: palette.ThemeColors
) -> tuple[float, float]:
    """Bottom right of the map, on a translucent paper panel so it reads over land or sea;
    returns the left edge and the top of its panel (pixels)."""
    px = max(lay.small_px * 0.92, 9.0)
    inset = px * 0.35
    right, bottom = lay.width - lay.pad * 0.5, lay.pad * 0.5
    max_w = lay.width - lay.pad - 2 * inset
    text = _fit_text(
        fig, renderer, CREDIT, x=right - inset, y=bottom + inset, px=px, max_w=max_w,
        color=colors.muted,
    )  # fmt: skip
    text.set_horizontalalignment("right")
    text.set_verticalalignment("bottom")
    extent = text.get_window_extent(renderer)
    left = right - extent.width - 2 * inset
    top = bottom + extent.height + 2 * inset
    _panel(fig, lay, colors, left, bottom, right - left, top - bottom)
    return left, top


# --- encoding ------------------------------------------------------------------------------

_SVG_SIZE = re.compile(rb'<svg([^>]*?) width="[^"]*" height="[^"]*"')


def _encode(fig: Figure, *, fmt: str, title: str) -> bytes:
    out = io.BytesIO()
    if fmt == "png":
        fig.savefig(out, format="png", dpi=_DPI, metadata={"Software": None, "Title": title})
        return out.getvalue()
    with _SVG_LOCK, matplotlib.rc_context(_SVG_RC):
        fig.savefig(
            out,
            format="svg",
            dpi=_DPI,
            metadata={"Date": None, "Creator": None, "Title": title},
        )
    # matplotlib sizes SVGs in points (72 a inch); state the pixels asked for, and the viewBox
    # keeps the drawing as it is
    width, height = int(fig.bbox.width), int(fig.bbox.height)
    return _SVG_SIZE.sub(
        lambda m: b'<svg%s width="%d" height="%d"' % (m.group(1), width, height),
        out.getvalue(),
        count=1,
    )
