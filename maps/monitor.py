"""The monitor map (``GET /map``): where people on the move die and disappear, for monitors and
journalists.

folium builds the page's fixed parts: the Natural Earth basemap (or a configured tile layer),
corridors, land borders and sea routes as overlays with their names, empty layer groups for the
live layers, the layer control, scale bar, fullscreen button and credits. The live layers (H3
hexagons of dead and missing, cluster outlines, incident points), the filters, legend, totals
and the global-pattern panel are drawn by ``maps/static/crossings/monitor.js`` from the analyst
API with the page's filters, so a filter change redraws without a reload and every number on
the page is one the API gives for the same parameters.

Text from the data reaches the page only as escaped template values or as JSON in a
``<script type="application/json">`` element (``script_json``); the client sets it with
``textContent``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote

import folium
from folium.map import CustomPane
from sqlalchemy.engine import Connection

from geo.repo.basemap import countries_geojson
from geo.repo.filters import CATEGORIES
from geo.repo.layers import IncidentExtent, incident_extent
from geo.repo.overlays import overlay_geojson
from geo.repo.version import data_version
from maps.base import (
    DEFAULT_ASSETS,
    Credits,
    LocalFullscreen,
    LocalMarkerCluster,
    OfflineMap,
    Page,
    asset,
    basemap_layer,
    tile_layer,
)
from maps.palette import THEME_COLORS, palette

# The resolution the hexagons take at each zoom ("auto"): hexagons about 15-25 px across.
# Zoom 0-1 -> 1 (~420 km edges), 2-3 -> 2, 4-5 -> 3, 6-7 -> 4, 8 -> 5, 9-10 -> 6, 11-12 -> 7,
# 13-14 -> 8, 15+ -> 9.
ZOOM_RESOLUTIONS = (1, 1, 2, 2, 3, 3, 4, 4, 5, 6, 6, 7, 7, 8, 8, 9)
RESOLUTIONS = tuple(range(0, 10))
MAX_ZOOM = 14
DETAIL_FROM_ZOOM = 5  # from here on, the basemap of the view is asked for at its own scale
BBOX_FROM_RES = 4  # from this resolution on, hexagons are asked for the view only
INCIDENTS_MIN_ZOOM = 7  # incident points are drawn from this zoom on
INCIDENTS_PAGE = 500
INCIDENTS_CAP = 2000  # most points drawn at once; the page says "showing N of M, zoom in"
CATEGORY_LABELS = {
    "death": "Deaths",
    "disappearance": "Disappearances",
    "pushback": "Pushbacks",
    "violence": "Violence",
    "detention": "Detention",
    "other": "Other",
}


@dataclass(frozen=True)
class MonitorState:
    """The filters a link to the map carries (``/map?datetime=…&category=…``)."""

    start: date | None = None
    end: date | None = None
    categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    res: int | None = None  # None: the resolution follows the zoom

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat() if self.start else "",
            "end": self.end.isoformat() if self.end else "",
            "category": list(self.categories),
            "source": list(self.sources),
            "res": self.res,
        }


@dataclass(frozen=True)
class TileConfig:
    """A tile server to draw instead of the Natural Earth basemap, and its credit (HTML, as
    the provider gives it: it comes from the deployment's settings, not from the data)."""

    url: str
    attribution: str


@dataclass(frozen=True)
class Endpoints:
    """Where the page's script finds the API (paths below the app's root)."""

    heatmap: str
    incidents: str
    clusters: str
    sources: str
    pattern: str
    map: str
    countries: str

    def to_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class ReferenceTexts:
    """What every monitor page holds whatever its filters: GeoJSON texts from PostGIS and
    the dates the data spans."""

    countries: str
    corridors: str
    land_borders: str
    sea_routes: str
    extent: IncidentExtent  # when the public events begin and end: the date inputs' bounds


@dataclass
class ReferenceCache:
    """The reference data of the last data version seen. Simplifying the world's countries
    and finding the data's first and last dates take over a second (several on a busy
    server); every filter combination is its own page URL, so without this each shared link
    would pay it again. Keyed on ``geo.repo.version.data_version``, read in the page's own
    snapshot."""

    version: int | None = None
    texts: ReferenceTexts | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def reference_texts(conn: Connection, cache: ReferenceCache | None = None) -> ReferenceTexts:
    """The basemap and reference layers, from ``cache`` when it holds this data version."""
    version = data_version(conn) if cache is not None else None
    if cache is not None:
        with cache.lock:
            if cache.version == version and cache.texts is not None:
                return cache.texts
    texts = ReferenceTexts(
        countries=countries_geojson(conn),
        corridors=overlay_geojson(conn, "corridors"),
        land_borders=overlay_geojson(conn, "land_borders"),
        sea_routes=overlay_geojson(conn, "sea_routes"),
        extent=incident_extent(conn),
    )
    if cache is not None:
        with cache.lock:
            cache.version, cache.texts = version, texts
    return texts


@dataclass
class MonitorOptions:
    assets: str = DEFAULT_ASSETS
    tile: TileConfig | None = None
    version: str = ""  # the app's: the page's own script and stylesheet URLs change with it
    reference_cache: ReferenceCache | None = None
    endpoints: Endpoints = field(
        default_factory=lambda: Endpoints(
            heatmap="/heatmap",
            incidents="/incidents",
            clusters="/clusters",
            sources="/sources",
            pattern="/stats/global-pattern",
            map="/map",
            countries="/map/countries.geojson",
        )
    )


def monitor_page(
    conn: Connection, *, state: MonitorState, options: MonitorOptions | None = None
) -> str:
    """The whole HTML document of the monitor map."""
    options = options or MonitorOptions()
    colors = THEME_COLORS["light"]
    m = OfflineMap(
        assets=options.assets,
        location=[22, 12],
        zoom_start=2,
        max_bounds=True,
        # folium gives min/max zoom to its tile layer only; the map itself needs them (the
        # marker cluster reads maxZoom), so they go in as Leaflet's own options
        minZoom=2,
        maxZoom=MAX_ZOOM,
        prefer_canvas=False,
    )
    # Panes, bottom to top: basemap, hexagons (made by monitor.js), reference lines, clusters.
    CustomPane("cx-basemap", z_index=250, pointer_events=False).add_to(m)
    CustomPane("cx-reference", z_index=420, pointer_events=False).add_to(m)
    refs = reference_texts(conn, options.reference_cache)
    world: folium.GeoJson | None = None
    if options.tile is not None:
        tile = tile_layer(options.tile.url, options.tile.attribution, name="Map")
        tile.options["maxZoom"] = MAX_ZOOM
        tile.add_to(m)
    else:
        world = basemap_layer(
            refs.countries, land=colors.land, border=colors.borders, pane="cx-basemap"
        )
        world.add_to(m)

    corridors = json.loads(refs.corridors)
    _reference_layers(m, corridors, refs)
    layers = {
        "hexagons": folium.FeatureGroup(name="Dead and missing (hexagons)", show=True),
        "clusters": folium.FeatureGroup(name="Where incidents cluster", show=True),
        "incidents": LocalMarkerCluster(
            assets=options.assets,
            name="Incidents (zoom in)",
            show=True,
            options={
                "showCoverageOnHover": False,
                "maxClusterRadius": 40,
                "spiderfyOnMaxZoom": True,
            },
        ),
    }
    for layer in layers.values():
        layer.add_to(m)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    LocalFullscreen(assets=options.assets, position="topleft").add_to(m)
    Credits().add_to(m)

    extent = refs.extent
    config = {
        "map": m.get_name(),
        "layers": {name: layer.get_name() for name, layer in layers.items()},
        "basemap": world.get_name() if world is not None else None,
        "api": options.endpoints.to_dict(),
        "state": state.to_dict(),
        "extent": {
            "first": extent.first_day.isoformat() if extent.first_day else None,
            "last": extent.last_day.isoformat() if extent.last_day else None,
        },
        "categories": [{"id": c, "label": CATEGORY_LABELS[c]} for c in CATEGORIES],
        "corridors": {
            f["properties"]["slug"]: f["properties"]["name"] for f in corridors["features"]
        },
        "palette": palette(),
        "theme": "light",
        "zoomResolutions": list(ZOOM_RESOLUTIONS),
        "bboxFromRes": BBOX_FROM_RES,
        "incidentsMinZoom": INCIDENTS_MIN_ZOOM,
        "incidentsPage": INCIDENTS_PAGE,
        "incidentsCap": INCIDENTS_CAP,
        "detailFromZoom": DETAIL_FROM_ZOOM,
        "resolutionEdges": list(RES_EDGES),
    }
    page = Page(
        "monitor.html",
        title="Crossings – deaths and disappearances of people on the move",
        config=config,
        categories=config["categories"],
        state=state,
        extent=config["extent"],
        resolutions=_resolution_choices(),
        css=_versioned(asset(options.assets, "crossings/monitor.css"), options.version),
        js=_versioned(asset(options.assets, "crossings/monitor.js"), options.version),
        sea=colors.sea,
    )
    page.add_child(m)
    return page.render()


def _versioned(url: str, version: str) -> str:
    """Static files are cached for a day; a new release must not run yesterday's script."""
    return f"{url}?v={quote(version)}" if version else url


def _reference_layers(m: folium.Map, corridors: Mapping[str, Any], refs: ReferenceTexts) -> None:
    """Corridors, land borders and sea routes: outlines with names in their tooltips (folium
    escapes tooltip fields), drawn above the hexagons but letting clicks through elsewhere."""
    colors = THEME_COLORS["light"]
    corridor_style = {
        "color": colors.corridor,
        "weight": 1.2,
        "opacity": 0.6,
        "dashArray": "4 4",
        "fill": False,
    }
    folium.GeoJson(
        corridors,
        name="Corridors",
        pane="cx-reference",
        style_function=lambda _f: corridor_style,
        highlight_function=lambda _f: {"weight": 3, "opacity": 1},
        tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False, sticky=True),
        smooth_factor=1,
    ).add_to(m)
    border_style = {"color": "#8c8377", "weight": 0.8, "opacity": 0.8}
    folium.GeoJson(
        json.loads(refs.land_borders),
        name="Land borders",
        pane="cx-reference",
        show=False,  # the basemap draws them already; this layer names them on hover
        style_function=lambda _f: border_style,
        highlight_function=lambda _f: {"weight": 3, "color": "#2b2520"},
        tooltip=folium.GeoJsonTooltip(
            fields=["country_a", "country_b", "length_km"],
            aliases=["Border", "and", "km"],
            sticky=True,
        ),
        smooth_factor=1,
    ).add_to(m)
    route_style = {"color": "#2f6f95", "weight": 1.2, "opacity": 0.8, "dashArray": "2 5"}
    folium.GeoJson(
        json.loads(refs.sea_routes),
        name="Sea routes",
        pane="cx-reference",
        show=False,
        style_function=lambda _f: route_style,
        highlight_function=lambda _f: {"weight": 3, "opacity": 1},
        tooltip=folium.GeoJsonTooltip(
            fields=["name", "from_port", "to_port"], aliases=["Route", "From", "To"], sticky=True
        ),
    ).add_to(m)


RES_EDGES = ("1,100 km", "420 km", "160 km", "60 km", "23 km", "8.5 km", "3.2 km", "1.2 km",
             "460 m", "170 m")  # fmt: skip


def _resolution_choices() -> list[dict[str, Any]]:
    return [{"res": r, "label": f"{RES_EDGES[r]} (H3 res {r})"} for r in RESOLUTIONS]
