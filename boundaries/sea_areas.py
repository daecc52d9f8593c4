"""The sea-area catalogue (``boundaries/sea_areas.toml``): parsed, checked and staged for loading.

Checks here catch a typo (an unknown key, a ring with two points, a latitude of 300) with a
message naming the area, instead of a silently empty or inside-out polygon after the load.
The geometry work (wrap at the antimeridian, ocean fill, clipping by land) is in
``boundaries/sql/sea_areas.sql``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from boundaries.catalogue import CatalogueError, check_entry

SEA_AREAS = Path(__file__).resolve().parent / "sea_areas.toml"
KINDS = ("sea", "gulf", "strait", "channel", "bay", "ocean")
_KEYS = {"slug", "name", "kind", "polygon", "fill"}


@dataclass(frozen=True)
class SeaArea:
    slug: str
    name: str
    kind: str
    ring: tuple[tuple[float, float], ...]  # closed: first point repeated at the end
    fill: bool = False

    @property
    def wkt(self) -> str:
        return "POLYGON((" + ", ".join(f"{x!r} {y!r}" for x, y in self.ring) + "))"


@dataclass(frozen=True)
class SeaCatalogue:
    version: str
    areas: tuple[SeaArea, ...]


def load_sea_areas(path: Path = SEA_AREAS) -> SeaCatalogue:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise CatalogueError(f"{path.name}: a string 'version' is required")
    unknown = set(data) - {"version", "sea_area"}
    if unknown:
        raise CatalogueError(f"{path.name}: unknown top-level keys {sorted(unknown)}")
    areas = tuple(_area(raw) for raw in data.get("sea_area", []))
    if not any(a.kind == "ocean" for a in areas):
        raise CatalogueError(f"{path.name}: the oceans (kind = 'ocean') are required fallbacks")
    seen: set[str] = set()
    names: set[str] = set()
    for a in areas:
        if a.slug in seen or a.name in names:
            raise CatalogueError(f"sea area {a.slug}: slug or name used twice")
        seen.add(a.slug)
        names.add(a.name)
    return SeaCatalogue(version=version, areas=areas)


def _area(raw: dict[str, Any]) -> SeaArea:
    slug, where = check_entry(raw, what="sea area", keys=_KEYS, kinds=KINDS)
    if not raw.get("name"):
        raise CatalogueError(f"{where}: 'name' is required")
    fill = raw.get("fill", False)
    if not isinstance(fill, bool) or (fill and raw["kind"] != "ocean"):
        raise CatalogueError(f"{where}: 'fill' is a boolean, for oceans only")
    return SeaArea(slug, str(raw["name"]), str(raw["kind"]), _ring(raw.get("polygon"), where), fill)


def _ring(raw: Any, where: str) -> tuple[tuple[float, float], ...]:
    """A closed ring of [lon, lat] pairs; lon in [-180, 360] (past 180: across the antimeridian)."""
    if not isinstance(raw, list) or len(raw) < 3:
        raise CatalogueError(f"{where}: 'polygon' needs at least 3 [lon, lat] points")
    points = []
    for p in raw:
        if not isinstance(p, list) or len(p) != 2:
            raise CatalogueError(f"{where}: polygon point {p!r} is not [lon, lat]")
        x, y = float(p[0]), float(p[1])
        if not (-180 <= x <= 360 and -90 <= y <= 90):
            raise CatalogueError(f"{where}: polygon point {p!r} is outside lon/lat bounds")
        points.append((x, y))
    if points[0] != points[-1]:
        points.append(points[0])
    if len(set(points)) < 3:
        raise CatalogueError(f"{where}: 'polygon' needs at least 3 distinct points")
    return tuple(points)


def stage_sea_areas(conn: Connection, catalogue: SeaCatalogue) -> None:
    """The catalogue as a temp table for ``sea_areas.sql`` (dropped at commit)."""
    conn.exec_driver_sql(
        "CREATE TEMP TABLE _sea_area_meta (slug text, name text, kind text, fill boolean,"
        " catalogue_version text, wkt text) ON COMMIT DROP"
    )
    conn.execute(
        sa.text("INSERT INTO _sea_area_meta VALUES (:slug, :name, :kind, :fill, :version, :wkt)"),
        [
            {
                "slug": a.slug,
                "name": a.name,
                "kind": a.kind,
                "fill": a.fill,
                "version": catalogue.version,
                "wkt": a.wkt,
            }
            for a in catalogue.areas
        ],
    )
