"""The corridor catalogue (``boundaries/corridors.toml``): parsed and checked before loading.

Checks here catch a typo in the catalogue (an unknown key, a route name claimed twice, a bad
bbox) with a message naming the corridor, instead of a silently empty geometry.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CATALOGUE = Path(__file__).resolve().parent / "corridors.toml"
KINDS = ("land", "sea", "mixed")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
ISO3 = re.compile(r"^[A-Z0-9]{3}$")

BBox = tuple[float, float, float, float]


class CatalogueError(ValueError):
    """The catalogue is malformed; the message names the corridor and the field."""


@dataclass(frozen=True)
class Piece:
    """One ingredient of a corridor's geometry (see the catalogue header)."""

    kind: str  # border | sea_route | transit | area
    buffer_km: float | None = None
    pairs: tuple[str, ...] = ()
    route_slugs: tuple[str, ...] | None = None  # None: every route built for this corridor
    iso3: str | None = None
    bbox: BBox | None = None
    wkt: str | None = None


@dataclass(frozen=True)
class Corridor:
    slug: str
    name: str
    kind: str
    region: str
    description: str
    countries: tuple[str, ...]
    mmp_routes: tuple[str, ...]
    priority: int
    pieces: tuple[Piece, ...]
    clip_bbox: BBox | None = None


@dataclass(frozen=True)
class Catalogue:
    version: str
    corridors: tuple[Corridor, ...]
    unmapped: dict[str, str] = field(default_factory=dict)

    def route_map(self) -> dict[str, str]:
        """MMP route name -> corridor slug."""
        return {r: c.slug for c in self.corridors for r in c.mmp_routes}


def load_catalogue(path: Path = CATALOGUE) -> Catalogue:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise CatalogueError(f"{path.name}: a string 'version' is required")
    corridors = tuple(_corridor(raw) for raw in data.get("corridor", []))
    if not corridors:
        raise CatalogueError(f"{path.name}: no [[corridor]] entries")
    _check_unique(corridors)
    unmapped = {str(k): str(v) for k, v in data.get("unmapped", {}).items()}
    return Catalogue(version=version, corridors=corridors, unmapped=unmapped)


_CORRIDOR_KEYS = {
    "slug", "name", "kind", "region", "description", "countries", "mmp_routes", "priority",
    "borders", "sea_routes", "transit", "areas", "clip_bbox",
}  # fmt: skip


def check_entry(
    raw: dict[str, Any], *, what: str, keys: set[str], kinds: tuple[str, ...]
) -> tuple[str, str]:
    """The checks every catalogue entry shares (slug, known keys, kind); returns (slug, where)."""
    slug = str(raw.get("slug", ""))
    where = f"{what} {slug or '?'}"
    if not SLUG.match(slug):
        raise CatalogueError(f"{where}: slug must be lower-case words joined by '-'")
    unknown = set(raw) - keys
    if unknown:
        raise CatalogueError(f"{where}: unknown keys {sorted(unknown)}")
    if raw.get("kind") not in kinds:
        raise CatalogueError(f"{where}: kind must be one of {kinds}")
    return slug, where


def _corridor(raw: dict[str, Any]) -> Corridor:
    slug, where = check_entry(raw, what="corridor", keys=_CORRIDOR_KEYS, kinds=KINDS)
    for key in ("name", "region"):
        if not raw.get(key):
            raise CatalogueError(f"{where}: '{key}' is required")
    countries = tuple(raw.get("countries", []))
    bad = [c for c in countries if not ISO3.match(c)]
    if bad:
        raise CatalogueError(f"{where}: country codes must be ADM0_A3, got {bad}")
    pieces = (
        *(_border(p, where) for p in raw.get("borders", [])),
        *(_sea(p, where) for p in raw.get("sea_routes", [])),
        *(_transit(p, where) for p in raw.get("transit", [])),
        *(_area(p, where) for p in raw.get("areas", [])),
    )
    if not pieces:
        raise CatalogueError(f"{where}: the geometry recipe is empty")
    clip = raw.get("clip_bbox")
    return Corridor(
        slug=slug,
        name=str(raw["name"]),
        kind=str(raw["kind"]),
        region=str(raw["region"]),
        description=str(raw.get("description", "")),
        countries=countries,
        mmp_routes=tuple(str(r) for r in raw.get("mmp_routes", [])),
        priority=int(raw.get("priority", 0)),
        pieces=pieces,
        clip_bbox=_bbox(clip, where) if clip is not None else None,
    )


def _buffer(raw: dict[str, Any], where: str) -> float:
    km = raw.get("buffer_km")
    if not isinstance(km, int | float) or not 0 < km <= 1000:
        raise CatalogueError(f"{where}: buffer_km must be a number in (0, 1000]")
    return float(km)


def _border(raw: dict[str, Any], where: str) -> Piece:
    pairs = []
    for pair in raw.get("pairs", []):
        codes = str(pair).split("-")
        if len(codes) != 2 or not all(ISO3.match(c) for c in codes):
            raise CatalogueError(f"{where}: border pair {pair!r} is not 'AAA-BBB'")
        pairs.append("-".join(sorted(codes)))
    if not pairs:
        raise CatalogueError(f"{where}: a borders entry needs 'pairs'")
    return Piece("border", buffer_km=_buffer(raw, where), pairs=tuple(pairs))


def _sea(raw: dict[str, Any], where: str) -> Piece:
    slugs = raw.get("slugs")
    return Piece(
        "sea_route",
        buffer_km=_buffer(raw, where),
        route_slugs=tuple(slugs) if slugs is not None else None,
    )


def _transit(raw: dict[str, Any], where: str) -> Piece:
    iso3 = str(raw.get("iso3", ""))
    if not ISO3.match(iso3):
        raise CatalogueError(f"{where}: transit iso3 {iso3!r} is not an ADM0_A3 code")
    bbox = raw.get("bbox")
    return Piece("transit", iso3=iso3, bbox=_bbox(bbox, where) if bbox is not None else None)


def _area(raw: dict[str, Any], where: str) -> Piece:
    if "wkt" in raw:
        return Piece("area", wkt=str(raw["wkt"]))
    if "bbox" in raw:
        return Piece("area", bbox=_bbox(raw["bbox"], where))
    raise CatalogueError(f"{where}: an areas entry needs 'bbox' or 'wkt'")


def _bbox(raw: Any, where: str) -> BBox:
    if not isinstance(raw, list) or len(raw) != 4:
        raise CatalogueError(f"{where}: bbox must be [min_lon, min_lat, max_lon, max_lat]")
    x0, y0, x1, y1 = (float(v) for v in raw)
    if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
        raise CatalogueError(f"{where}: bbox {raw} is empty or outside lon/lat bounds")
    return (x0, y0, x1, y1)


def _check_unique(corridors: tuple[Corridor, ...]) -> None:
    seen: dict[str, str] = {}
    slugs: set[str] = set()
    for c in corridors:
        if c.slug in slugs:
            raise CatalogueError(f"corridor {c.slug}: slug used twice")
        slugs.add(c.slug)
        for route in c.mmp_routes:
            if route in seen:
                raise CatalogueError(f"MMP route {route!r} claimed by {seen[route]} and {c.slug}")
            seen[route] = c.slug
