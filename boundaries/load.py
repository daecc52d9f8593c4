"""Build every reference layer: countries, land borders, coastline, sea routes, corridors, seas.

Everything derived is derived in PostGIS from four committed inputs: the Natural Earth zip, the
sea-route GeoJSON, the corridor catalogue and the sea-area catalogue. The load runs inside the
caller's transaction, so a failed rebuild leaves the previous layers untouched; incidents keep
their rows but lose their border, corridor and sea-area links until
``geo.enrich.enrich_incidents`` runs again.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from boundaries.catalogue import CATALOGUE, Catalogue, CatalogueError, load_catalogue
from boundaries.countries import NE_ZIP, copy_countries, read_rows
from boundaries.sea_areas import SEA_AREAS, SeaCatalogue, load_sea_areas, stage_sea_areas
from boundaries.sql import load_sql, sql, statements

SEA_ROUTES = Path(__file__).resolve().parent / "data" / "sea_routes.geojson"
SQL_FILES = (
    "polygons.sql",
    "countries.sql",
    "borders.sql",
    "sea_routes.sql",
    "corridors.sql",
    "sea_areas.sql",
)
LAYERS = (
    "countries",
    "country_parts",
    "land_borders",
    "land_border_parts",
    "coastline",
    "coastline_parts",
    "sea_routes",
    "corridors",
    "corridor_parts",
    "sea_areas",
    "sea_area_parts",
)
# Children go with their parents (ON DELETE CASCADE); incidents only lose their links.
CLEAR = ("sea_areas", "corridors", "sea_routes", "coastline", "countries")
SEQUENCES = tuple(t for t in LAYERS if t != "countries")


@dataclass
class BoundariesReport:
    changed: bool
    counts: dict[str, int]
    catalogue_version: str
    checksum: str
    seconds: float
    reenriched: int | None = None
    sea_area_version: str | None = None
    steps: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        if not self.changed:
            head = f"boundaries unchanged (catalogue {self.catalogue_version}); nothing to do"
        else:
            head = (
                f"boundaries loaded in {self.seconds:.1f} s (catalogue {self.catalogue_version},"
                f" sea areas {self.sea_area_version}, inputs {self.checksum[:12]})"
            )
        lines = [head, *(f"  {name:<18} {n:>7,}" for name, n in self.counts.items())]
        if self.reenriched is not None:
            lines.append(f"  incidents re-enriched: {self.reenriched:,}")
        return "\n".join(lines)


def input_checksum() -> str:
    """sha256 over every input and every SQL file that derives a layer from them."""
    digest = hashlib.sha256()
    paths = [NE_ZIP, SEA_ROUTES, CATALOGUE, SEA_AREAS]
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for name in SQL_FILES:
        digest.update(name.encode())
        digest.update(load_sql(name).encode())
    return digest.hexdigest()


def load_boundaries(conn: Connection, *, if_changed: bool) -> BoundariesReport:
    """Rebuild all reference layers; with ``if_changed``, skip when the inputs are unchanged."""
    started = time.perf_counter()
    catalogue = load_catalogue()
    seas = load_sea_areas()
    checksum = input_checksum()
    if if_changed:
        stored = conn.execute(sa.text("SELECT checksum, counts FROM boundaries_meta")).one_or_none()
        if stored is not None and stored.checksum == checksum:
            return BoundariesReport(
                changed=False,
                counts={t: int(stored.counts[t]) for t in LAYERS if t in stored.counts},
                catalogue_version=catalogue.version,
                checksum=checksum,
                seconds=round(time.perf_counter() - started, 2),
                sea_area_version=seas.version,
            )

    steps: dict[str, float] = {}

    def step(name: str, t0: float) -> float:
        now = time.perf_counter()
        steps[name] = round(now - t0, 3)
        return now

    t = time.perf_counter()
    rows = read_rows()
    t = step("read_countries", t)
    _clear(conn)
    _run(conn, "polygons.sql")
    t = step("clear", t)
    copy_countries(conn, rows)
    _run(conn, "countries.sql")
    t = step("countries", t)
    _run(conn, "borders.sql")
    t = step("borders_coastline", t)
    _load_sea_routes(conn)
    t = step("sea_routes", t)
    _check_references(conn, catalogue)
    _stage_catalogue(conn, catalogue)
    _run(conn, "corridors.sql")
    t = step("corridors", t)
    stage_sea_areas(conn, seas)
    _run(conn, "sea_areas.sql")
    _check_sea_areas(conn, seas)
    t = step("sea_areas", t)
    for table in LAYERS:
        conn.exec_driver_sql(f"ANALYZE {table}")
    step("analyze", t)

    counts = {
        table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
        for table in LAYERS
    }
    _check_corridors(conn, catalogue)
    conn.execute(
        sa.text(
            "INSERT INTO boundaries_meta (id, checksum, catalogue_version, counts, loaded_at)"
            " VALUES (true, :checksum, :version, CAST(:counts AS jsonb), now())"
            " ON CONFLICT (id) DO UPDATE SET checksum = excluded.checksum,"
            " catalogue_version = excluded.catalogue_version, counts = excluded.counts,"
            " loaded_at = excluded.loaded_at"
        ),
        {"checksum": checksum, "version": catalogue.version, "counts": json.dumps(counts)},
    )
    return BoundariesReport(
        changed=True,
        counts=counts,
        catalogue_version=catalogue.version,
        checksum=checksum,
        seconds=round(time.perf_counter() - started, 2),
        sea_area_version=seas.version,
        steps=steps,
    )


def _run(conn: Connection, name: str) -> None:
    for statement in statements(name):
        conn.exec_driver_sql(statement)


def _clear(conn: Connection) -> None:
    """Delete (not TRUNCATE: that would cascade into incidents) and restart the ids.

    Incidents are unlinked first in one statement: ON DELETE SET NULL would otherwise rewrite
    each incident once per deleted border and again per deleted corridor. ``sea_area`` (a slug,
    no foreign key) is cleared with them, so no incident names an area that is gone.
    """
    conn.exec_driver_sql(
        "UPDATE incidents SET border_id = NULL, corridor_id = NULL, sea_area = NULL"
        " WHERE border_id IS NOT NULL OR corridor_id IS NOT NULL OR sea_area IS NOT NULL"
    )
    for table in CLEAR:
        conn.exec_driver_sql(f"DELETE FROM {table}")
    for table in SEQUENCES:
        conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 1, false)")


def _load_sea_routes(conn: Connection) -> None:
    collection = json.loads(SEA_ROUTES.read_text(encoding="utf-8"))
    params = []
    for feature in collection["features"]:
        props = feature["properties"]
        params.append(
            {
                "slug": props["slug"],
                "name": props["name"],
                "from_port": props["from_port"],
                "to_port": props["to_port"],
                "corridor_slug": props.get("corridor_slug"),
                "geometry": json.dumps(feature["geometry"]),
            }
        )
    conn.execute(sql("sea_routes.sql"), params)


def _check_references(conn: Connection, catalogue: Catalogue) -> None:
    """Every pair, country and sea route a recipe names must exist, or the load fails."""
    pairs = set(conn.execute(sa.text("SELECT pair FROM land_borders")).scalars())
    codes = set(conn.execute(sa.text("SELECT iso3 FROM countries")).scalars())
    routes: dict[str, str | None] = {
        r[0]: r[1] for r in conn.execute(sa.text("SELECT slug, corridor_slug FROM sea_routes"))
    }
    problems = []
    for c in catalogue.corridors:
        problems += [f"{c.slug}: unknown country {x}" for x in c.countries if x not in codes]
        for p in c.pieces:
            problems += [f"{c.slug}: no land border {x}" for x in p.pairs if x not in pairs]
            if p.iso3 and p.iso3 not in codes:
                problems.append(f"{c.slug}: unknown country {p.iso3}")
            if p.kind == "sea_route" and p.route_slugs is None:
                if c.slug not in routes.values():
                    problems.append(f"{c.slug}: no sea routes built for this corridor")
            for slug in p.route_slugs or ():
                if slug not in routes:
                    problems.append(f"{c.slug}: unknown sea route {slug}")
    if problems:
        raise CatalogueError("; ".join(problems))


def _stage_catalogue(conn: Connection, catalogue: Catalogue) -> None:
    conn.exec_driver_sql(
        "CREATE TEMP TABLE _corridor_meta (slug text, name text, kind text, region text,"
        " description text, countries text[], mmp_routes text[], priority integer,"
        " catalogue_version text, clip_bbox float8[]) ON COMMIT DROP"
    )
    conn.exec_driver_sql(
        "CREATE TEMP TABLE _corridor_pieces (slug text, kind text, buffer_km float8,"
        " pairs text[], route_slugs text[], iso3 text, bbox float8[], wkt text) ON COMMIT DROP"
    )
    conn.execute(
        sa.text(
            "INSERT INTO _corridor_meta VALUES (:slug, :name, :kind, :region, :description,"
            " :countries, :mmp_routes, :priority, :version, :clip_bbox)"
        ),
        [
            {
                "slug": c.slug,
                "name": c.name,
                "kind": c.kind,
                "region": c.region,
                "description": c.description,
                "countries": list(c.countries),
                "mmp_routes": list(c.mmp_routes),
                "priority": c.priority,
                "version": catalogue.version,
                "clip_bbox": list(c.clip_bbox) if c.clip_bbox else None,
            }
            for c in catalogue.corridors
        ],
    )
    conn.execute(
        sa.text(
            "INSERT INTO _corridor_pieces VALUES (:slug, :kind, :buffer_km, :pairs,"
            " :route_slugs, :iso3, :bbox, :wkt)"
        ),
        [
            {
                "slug": c.slug,
                "kind": p.kind,
                "buffer_km": p.buffer_km,
                "pairs": list(p.pairs),
                "route_slugs": list(p.route_slugs) if p.route_slugs is not None else None,
                "iso3": p.iso3,
                "bbox": list(p.bbox) if p.bbox else None,
                "wkt": p.wkt,
            }
            for c in catalogue.corridors
            for p in c.pieces
        ],
    )


def _check_sea_areas(conn: Connection, seas: SeaCatalogue) -> None:
    built = set(conn.execute(sa.text("SELECT slug FROM sea_areas")).scalars())
    missing = [a.slug for a in seas.areas if a.slug not in built]
    if missing:
        raise CatalogueError(f"sea areas with an empty geometry (all land?): {missing}")


def _check_corridors(conn: Connection, catalogue: Catalogue) -> None:
    built = set(conn.execute(sa.text("SELECT slug FROM corridors")).scalars())
    missing = [c.slug for c in catalogue.corridors if c.slug not in built]
    if missing:
        raise CatalogueError(f"corridors with an empty geometry: {missing}")
