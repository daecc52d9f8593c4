"""What every Crossings map page is made of: folium maps that load nothing from the network.

- ``OfflineMap``: a ``folium.Map`` whose Leaflet comes from the app's own files
  (``maps/assets.toml``), with no tile layer by default: the basemap is the Natural Earth
  countries the database holds (``basemap_layer``), so pages work offline and in CI. A tile
  layer is added only when one is configured, with its credit (``tile_layer``).
- ``LocalMarkerCluster`` / ``LocalFullscreen``: folium's plugins with local files.
- ``Page``: a whole HTML document from an autoescaping Jinja template of ``maps/templates``, with
  folium's header, body and script parts placed where the template says. Data text is escaped by
  default; folium's own output is the only markup marked safe.
- ``script_json``: data for a page's JavaScript, safe inside ``<script>``.
- ``Credits``: the map's attribution line (IOM Missing Migrants Project, Natural Earth, and the
  tile provider when one is used) on every map.

``assets`` is where the static files are served from: ``/static`` for the app, a relative path
for exported embeds (``crossings export embeds``). ``Page.render`` refuses a page that would
still load a script or stylesheet from another host.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import jinja2
import shapely
import shapely.geometry
from branca.element import Figure, MacroElement
from folium.plugins import Fullscreen, MarkerCluster
from markupsafe import Markup, escape

DEFAULT_ASSETS = "/static"


@dataclass(frozen=True)
class Credit:
    name: str
    href: str | None = None

    def html(self) -> Markup:
        if self.href is None:
            return Markup(escape(self.name))
        return Markup('<a href="{}" target="_blank" rel="noopener">{}</a>').format(
            self.href, self.name
        )


MMP = Credit("IOM Missing Migrants Project", "https://missingmigrants.iom.int/")
NATURAL_EARTH = Credit("Natural Earth", "https://www.naturalearthdata.com/")
CREDITS: tuple[Credit, ...] = (MMP, NATURAL_EARTH)


def asset(assets: str, path: str) -> str:
    """The URL of a static file (``vendor/leaflet/leaflet.js``) under ``assets``."""
    return f"{assets.rstrip('/')}/{path}"


class OfflineMap(folium.Map):
    """A folium map with Leaflet from ``assets`` and no tiles (see the module docstring)."""

    def __init__(self, *, assets: str = DEFAULT_ASSETS, **kwargs: Any) -> None:
        kwargs.setdefault("control_scale", True)
        kwargs.setdefault("zoom_control", True)
        kwargs.setdefault("world_copy_jump", True)
        super().__init__(tiles=None, **kwargs)
        # folium's defaults also pull jQuery, Bootstrap and Font Awesome from CDNs: the maps
        # use none of them, and an embed must stay light.
        self.default_js = [("leaflet", asset(assets, "vendor/leaflet/leaflet.js"))]
        self.default_css = [("leaflet_css", asset(assets, "vendor/leaflet/leaflet.css"))]


class LocalMarkerCluster(MarkerCluster):
    def __init__(self, *args: Any, assets: str = DEFAULT_ASSETS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        base = "vendor/leaflet.markercluster"
        self.default_js = [("markerclusterjs", asset(assets, f"{base}/leaflet.markercluster.js"))]
        self.default_css = [
            ("markerclustercss", asset(assets, f"{base}/MarkerCluster.css")),
            ("markerclusterdefaultcss", asset(assets, f"{base}/MarkerCluster.Default.css")),
        ]


class LocalFullscreen(Fullscreen):
    def __init__(self, *args: Any, assets: str = DEFAULT_ASSETS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        base = "vendor/leaflet.fullscreen"
        self.default_js = [
            ("Control.Fullscreen.js", asset(assets, f"{base}/Control.FullScreen.js"))
        ]
        self.default_css = [
            ("Control.FullScreen.css", asset(assets, f"{base}/Control.FullScreen.css"))
        ]


def basemap_layer(
    countries: str | Mapping[str, Any],
    *,
    land: str,
    border: str,
    name: str = "Countries (Natural Earth)",
    pane: str | None = None,
) -> folium.GeoJson:
    """The Natural Earth countries (``geo.repo.basemap.countries_geojson``) as a plain,
    non-interactive layer drawn under everything else."""
    data = json.loads(countries) if isinstance(countries, str) else countries
    style = {"fillColor": land, "fillOpacity": 1, "color": border, "weight": 0.6}
    options: dict[str, Any] = {"interactive": False, "attribution": str(NATURAL_EARTH.html())}
    if pane is not None:
        options["pane"] = pane
    return folium.GeoJson(
        data,
        name=name,
        style_function=lambda _feature: style,
        control=False,
        overlay=False,
        smooth_factor=0.5,
        **options,
    )


def simplified(geometry: dict[str, Any], tolerance: float, *, decimals: int = 5) -> dict[str, Any]:
    """A GeoJSON geometry simplified to ``tolerance`` degrees (about half a pixel where it is
    drawn) and rounded to ``decimals``: the US-Mexico corridor has 6,300 vertices, most of them
    closer together than a pixel, and every one would be written into the page or the SVG."""
    shape = shapely.simplify(shapely.geometry.shape(geometry), tolerance, preserve_topology=True)
    rounded = shapely.set_precision(shape, 10.0**-decimals, mode="pointwise")
    return dict(shapely.geometry.mapping(rounded))


def rounded(geometry: dict[str, Any], decimals: int) -> dict[str, Any]:
    """A GeoJSON geometry's coordinates rounded (hexagon outlines need no 0.1 m precision)."""

    def walk(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, decimals)
        if isinstance(value, list | tuple):
            return [walk(v) for v in value]
        return value

    return {**geometry, "coordinates": walk(geometry["coordinates"])}


def tile_layer(url: str, attribution: str, *, name: str = "Tiles") -> folium.TileLayer:
    """A configured tile layer (``CROSSINGS_TILE_URL``), credited; never added by default."""
    return folium.TileLayer(tiles=url, attr=attribution, name=name, overlay=False, control=True)


class Credits(MacroElement):
    """Sets the map's attribution line: the data credits, always, plus ``extra``."""

    _template = jinja2.Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.attributionControl.setPrefix(
                {{ this.prefix|tojson }});
            {% for credit in this.credits %}
            {{ this._parent.get_name() }}.attributionControl.addAttribution(
                {{ credit|tojson }});
            {% endfor %}
        {% endmacro %}
        """
    )

    def __init__(self, extra: Sequence[Credit] = ()) -> None:
        super().__init__()
        self._name = "Credits"
        self.prefix = str(Credit("Leaflet", "https://leafletjs.com/").html())
        self.credits = [str(c.html()) for c in (*CREDITS, *extra)]


_UNSAFE_IN_SCRIPT = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                     "\u2029": "\\u2029"}  # fmt: skip


def script_json(value: Any) -> Markup:
    """JSON to place inside ``<script type="application/json">`` (or a JS expression): no text
    of the data can close the script element or open a comment."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return Markup(re.sub("[<>&\u2028\u2029]", lambda m: _UNSAFE_IN_SCRIPT[m.group()], text))


TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("maps", "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
TEMPLATES.filters["script_json"] = script_json

# Tags whose URL the browser fetches as the page loads: scripts, images, frames, and links that
# are stylesheets, icons or preloads (a canonical or alternate link is only an address).
_TAG = re.compile(r"<(script|img|iframe|source|link)\b([^>]*)>", re.IGNORECASE)
_ATTR = re.compile(r"""\b(src|href|rel)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_FETCHED_RELS = {"stylesheet", "icon", "preload", "modulepreload", "prefetch", "manifest"}
_REMOTE_URL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


def _remote_fetches(html: str) -> list[str]:
    found = []
    for tag in _TAG.finditer(html):
        attrs = {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None)
                 for m in _ATTR.finditer(tag.group(2))}  # fmt: skip
        if tag.group(1).lower() == "link":
            if not _FETCHED_RELS & set(attrs.get("rel", "").lower().split()):
                continue
            url = attrs.get("href", "")
        else:
            url = attrs.get("src", "")
        if _REMOTE_URL.match(url):
            found.append(url)
    return found


class RemoteAssetError(RuntimeError):
    """A page would load a script or stylesheet from another host."""


def assert_offline(html: str) -> str:
    """``html`` unchanged, or ``RemoteAssetError`` naming the first remote script/stylesheet."""
    found = _remote_fetches(html)
    if found:
        raise RemoteAssetError(f"page would load {found[0]} from the network")
    return html


class Page(Figure):
    """A whole document from ``maps/templates/<template>`` with folium's parts inside.

    The template gets ``context`` plus ``folium_header``, ``folium_html`` and
    ``folium_script`` (folium's output, the only markup marked safe)."""

    def __init__(self, template: str, **context: Any) -> None:
        super().__init__()
        self.template = template
        self.context = context

    def render(self, **kwargs: Any) -> str:
        for child in self._children.values():
            child.render(**kwargs)
        html = TEMPLATES.get_template(self.template).render(
            folium_header=Markup(self.header.render(**kwargs)),
            folium_html=Markup(self.html.render(**kwargs)),
            folium_script=Markup(self.script.render(**kwargs)),
            **self.context,
        )
        return assert_offline(html)
