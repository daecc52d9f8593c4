"""The one colour scale of Crossings: dead and missing per hexagon, and the light/dark themes.

Static images (``maps.static_image``) draw with it and web maps read the same values through
``palette_json()``, so a colour means the same count on every map the product makes.

The ramp runs from pale yellow through orange and red to dark purple (ColorBrewer YlOrRd,
extended with RdPu's darkest purples): lightness falls steadily from class to class, so it reads
in grey scale and for the common colour-vision deficiencies (deuteranopia, protanopia,
tritanopia), and the pale end still stands out on a dark sea while the dark end stands out on a
light one. Hexagons get a thin edge in the theme's ``hex_edge`` colour so neighbouring cells
and the darkest classes on the dark theme stay readable.

Class breaks are fixed "nice" numbers, not quantiles of each map: per ~45 km hexagon the public
data runs from single deaths (most cells on every corridor) to over 3,000 (the Central
Mediterranean off Libya in 2014-2017), roughly log-distributed, so steps of 1-5-10 per decade
give every class cells somewhere, and fixed breaks make two corridors' maps comparable.
Hexagons whose events give no count (the source left dead and missing empty) are drawn in the
theme's ``no_count`` colour, never as a count of 0 on the ramp.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

Theme = Literal["light", "dark"]
THEMES: tuple[str, ...] = get_args(Theme)


@dataclass(frozen=True)
class ColorClass:
    """Counts from ``low`` to ``high`` (inclusive; ``high`` None: no upper end)."""

    low: int
    high: int | None
    color: str

    @property
    def label(self) -> str:
        if self.high is None:
            return f"{self.low:,}+"
        if self.low == self.high:
            return f"{self.low:,}"
        return f"{self.low:,}\u2013{self.high:,}"  # en dash

    def to_dict(self) -> dict[str, Any]:
        return {"min": self.low, "max": self.high, "color": self.color, "label": self.label}


# Lower bounds of the classes; each class ends one below the next bound.
BREAKS: tuple[int, ...] = (1, 2, 6, 11, 51, 101, 501)
RAMP: tuple[str, ...] = (
    "#ffe98f",  # pale yellow
    "#fec44f",
    "#fd8d3c",
    "#ef3b2c",  # red
    "#bd0026",
    "#7a0177",  # purple
    "#49006a",  # dark purple
)
CLASSES: tuple[ColorClass, ...] = tuple(
    ColorClass(low, (BREAKS[i + 1] - 1) if i + 1 < len(BREAKS) else None, RAMP[i])
    for i, low in enumerate(BREAKS)
)
WEIGHT: Final = "dead_and_missing"  # what the ramp counts (geo.heatmap weight)
# A cell coarser than the map's hexagons (a place known only roughly) is drawn as a pale wash up
# to this many resolutions coarser; coarser still (a whole sea or country, wider than the map)
# it would only hide the map, so static maps, corridor pages and embeds count it in a note.
ROUGH_LEVELS = 2


@dataclass(frozen=True)
class ThemeColors:
    """Everything but the data: background, basemap, corridor outline and text."""

    paper: str  # header and footer bands behind the text
    sea: str
    land: str
    borders: str  # country borders and coastlines
    corridor: str  # the corridor outline
    corridor_fill: str  # a faint wash inside the corridor (8-digit hex: with alpha)
    hex_edge: str  # edge around each hexagon
    no_count: str  # hexagons whose events give no dead or missing count
    text: str
    muted: str  # numbers line, legend labels, credit
    accent: str  # the rule under the title

    def to_dict(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


THEME_COLORS: dict[str, ThemeColors] = {
    "light": ThemeColors(
        paper="#fbfaf7",
        sea="#d4e2ec",
        land="#efece6",
        borders="#b4ada2",
        corridor="#1f4e6e",
        corridor_fill="#1f4e6e12",
        hex_edge="#ffffffb3",
        no_count="#9a9a9a",
        text="#1b1b1b",
        muted="#5a5a5a",
        accent="#bd0026",
    ),
    "dark": ThemeColors(
        paper="#111820",
        sea="#15212d",
        land="#2a333d",
        borders="#4b5663",
        corridor="#9cc3e0",
        corridor_fill="#9cc3e014",
        hex_edge="#e8eef459",
        no_count="#7d8791",
        text="#eef1f4",
        muted="#a6b0ba",
        accent="#fd8d3c",
    ),
}


def color_class(value: float) -> ColorClass | None:
    """The class of a hexagon's count; None for 0 (no count given), drawn as ``no_count``."""
    if value < BREAKS[0]:
        return None
    for cls in reversed(CLASSES):
        if value >= cls.low:
            return cls
    raise AssertionError("unreachable: value >= BREAKS[0]")  # pragma: no cover


def color_for(value: float, theme: Theme = "light") -> str:
    cls = color_class(value)
    return cls.color if cls is not None else THEME_COLORS[theme].no_count


def theme_colors(theme: str) -> ThemeColors:
    return THEME_COLORS[theme]


def palette() -> dict[str, Any]:
    """The scale and the themes as plain data (what ``palette_json`` serialises)."""
    return {
        "weight": WEIGHT,
        "breaks": list(BREAKS),
        "classes": [c.to_dict() for c in CLASSES],
        "no_count": {
            "label": "no count given",
            "colors": {t: THEME_COLORS[t].no_count for t in THEMES},
        },
        "themes": {t: THEME_COLORS[t].to_dict() for t in THEMES},
    }


def palette_json() -> str:
    """What a browser needs to draw the same scale: compact JSON, classes lowest first, a
    class's ``max`` null when it has no upper end; colours are CSS hex (``#rrggbbaa`` where
    a colour is translucent). Safe to embed in ``<script type="application/json">``: it holds
    no ``<``, ``>`` or ``&``."""
    text = json.dumps(palette(), separators=(",", ":"), ensure_ascii=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
