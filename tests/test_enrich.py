"""Enrichment of incidents against the reference layers, on points whose answer we know."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.enrich import enrich_incidents
from tests.factories import insert_import_run


def _run(conn: Connection) -> uuid.UUID:
    return insert_import_run(conn, "test-enrich", importer="geojson")


def _add(
    conn: Connection,
    run: uuid.UUID,
    name: str,
    lon: float | None,
    lat: float | None,
    precision: str | None = None,
) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO incidents (source, source_id, row_hash, import_run_id, category, raw,"
            " location_precision, geom) VALUES ('test-enrich', :name, 'x', :run, 'death', '{}',"
            " :precision, CASE WHEN CAST(:lon AS float8) IS NOT NULL"
            " THEN ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) END)"
        ),
        {"name": name, "run": run, "lon": lon, "lat": lat, "precision": precision},
    )


def _enriched(conn: Connection, name: str) -> dict[str, Any]:
    row = conn.execute(
        sa.text(
            "SELECT i.country, i.border_id, i.border_pair, i.border_distance_km,"
            " i.coast_distance_km, c.slug AS corridor, i.enriched_at"
            " FROM incidents i LEFT JOIN corridors c ON c.id = i.corridor_id"
            " WHERE i.source = 'test-enrich' AND i.source_id = :name"
        ),
        {"name": name},
    ).mappings()
    return dict(row.one())


def test_known_points(conn: Connection) -> None:
    run = _run(conn)
    _add(conn, run, "sasabe", -111.52, 31.55)  # Sonoran desert north of Sasabe, Arizona
    _add(conn, run, "lampedusa-sea", 12.35, 35.30)  # open sea south-west of Lampedusa
    _add(conn, run, "pacific", -140.0, -30.0)
    _add(conn, run, "fiji", 178.0, -17.8)  # Viti Levu, near the antimeridian
    _add(conn, run, "chukotka", -175.0, 66.5)  # Russia west of the antimeridian
    _add(conn, run, "nowhere", None, None)
    assert enrich_incidents(conn, import_run_id=run) == 6

    sasabe = _enriched(conn, "sasabe")
    assert sasabe["country"] == "USA"
    assert sasabe["border_pair"] == "MEX-USA"
    assert 1 < sasabe["border_distance_km"] < 15
    assert sasabe["coast_distance_km"] > 100
    assert sasabe["corridor"] == "us-mexico"

    sea = _enriched(conn, "lampedusa-sea")
    assert sea["country"] == "at_sea"
    assert sea["corridor"] == "central-mediterranean"
    assert 5 < sea["coast_distance_km"] < 60
    assert sea["border_pair"] is not None

    pacific = _enriched(conn, "pacific")
    assert pacific["country"] == "at_sea"
    assert pacific["corridor"] is None
    assert pacific["coast_distance_km"] > 300
    assert pacific["border_distance_km"] > 1_000

    fiji = _enriched(conn, "fiji")
    assert fiji["country"] == "FJI"
    assert fiji["coast_distance_km"] < 50
    assert fiji["border_distance_km"] > 1_000  # Fiji has no land border
    assert fiji["corridor"] is None

    chukotka = _enriched(conn, "chukotka")
    assert chukotka["country"] == "RUS"
    assert chukotka["coast_distance_km"] is not None
    assert chukotka["border_distance_km"] is not None

    nowhere = _enriched(conn, "nowhere")
    assert nowhere["enriched_at"] is not None
    assert {k: v for k, v in nowhere.items() if k != "enriched_at"} == {
        "country": None,
        "border_id": None,
        "border_pair": None,
        "border_distance_km": None,
        "coast_distance_km": None,
        "corridor": None,
    }


def test_border_distance_is_true_km(conn: Connection) -> None:
    """A point ~50 km north of the 49th parallel (a straight edge in lon/lat) is ~50 km away."""
    run = _run(conn)
    _add(conn, run, "saskatchewan", -104.0, 49.0 + 50 / 111.2)
    enrich_incidents(conn, import_run_id=run)
    row = _enriched(conn, "saskatchewan")
    assert row["country"] == "CAN"
    assert row["border_pair"] == "CAN-USA"
    assert 48 < row["border_distance_km"] < 52


def test_just_offshore_counts_as_land_unless_a_sea_record(conn: Connection) -> None:
    """1:10m outlines cut off harbours: within 0.5 km of a coast a point is that country's."""
    lon, lat = conn.execute(
        sa.text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointN(ST_ExteriorRing("
            " ST_Buffer(ST_Buffer(geom::geography, 200)::geometry, 0)), 1) AS p"
            " FROM (SELECT (ST_Dump(geom)).geom FROM countries WHERE iso3 = 'MLT') d"
            " ORDER BY ST_Area(geom) DESC LIMIT 1) q"
        )
    ).one()
    run = _run(conn)
    _add(conn, run, "harbour", lon, lat)
    _add(conn, run, "boat", lon, lat, precision="sea_area")
    enrich_incidents(conn, import_run_id=run)
    harbour, boat = _enriched(conn, "harbour"), _enriched(conn, "boat")
    assert harbour["coast_distance_km"] < 0.5
    assert harbour["country"] == "MLT"
    assert boat["country"] == "at_sea"


def test_overlapping_corridors_follow_priority_then_area(conn: Connection) -> None:
    run = _run(conn)
    _add(conn, run, "yaviza", -77.69, 8.16)  # Darién (70) inside us-mexico's Panama (40)
    enrich_incidents(conn, import_run_id=run)
    assert _enriched(conn, "yaviza")["corridor"] == "darien"
    # Every enriched incident (the MMP sample included) holds the best-ranked containing
    # corridor: none ranks above it by (priority desc, area asc, slug).
    better = conn.execute(
        sa.text(
            "SELECT count(*) FROM incidents i JOIN corridors mine ON mine.id = i.corridor_id"
            " JOIN corridors other ON other.id <> mine.id AND ST_Intersects(other.geom, i.geom)"
            " WHERE (other.priority, -other.area_km2) > (mine.priority, -mine.area_km2)"
        )
    ).scalar_one()
    assert better == 0
    unassigned = conn.execute(
        sa.text(
            "SELECT count(*) FROM incidents i JOIN corridors c ON ST_Intersects(c.geom, i.geom)"
            " WHERE i.corridor_id IS NULL AND i.enriched_at IS NOT NULL"
        )
    ).scalar_one()
    assert unassigned == 0


def test_only_the_given_run_is_enriched(conn: Connection) -> None:
    first, second = _run(conn), _run(conn)
    _add(conn, first, "first", 12.35, 35.30)
    _add(conn, second, "second", 12.35, 35.30)
    assert enrich_incidents(conn, import_run_id=second) == 1
    assert _enriched(conn, "first")["enriched_at"] is None
    assert _enriched(conn, "second")["corridor"] == "central-mediterranean"
    # With no run, everything is (re-)enriched, the sample included.
    total = conn.execute(sa.text("SELECT count(*) FROM incidents")).scalar_one()
    assert enrich_incidents(conn) == total
    assert _enriched(conn, "first")["corridor"] == "central-mediterranean"


# --- Sea areas, antimeridian, H3 pentagons (docs/sea_areas.md) ---------------------------------


def _sea_area(conn: Connection, name: str) -> str | None:
    return conn.execute(
        sa.text(
            "SELECT sea_area FROM incidents WHERE source = 'test-enrich' AND source_id = :name"
        ),
        {"name": name},
    ).scalar_one()


def _smallest_containing(conn: Connection, lon: float, lat: float) -> str | None:
    """Oracle: the overlap rule applied to sea_areas.geom (not the lookup's parts table)."""
    return conn.execute(
        sa.text(
            "SELECT slug FROM sea_areas"
            " WHERE ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
            " ORDER BY area_km2, slug LIMIT 1"
        ),
        {"lon": lon, "lat": lat},
    ).scalar_one_or_none()


def test_at_sea_points_are_named_land_points_are_not(conn: Connection) -> None:
    run = _run(conn)
    _add(conn, run, "lampedusa-sea", 12.35, 35.30)  # south-west of Lampedusa: no smaller sea
    _add(conn, run, "sicily-channel", 11.2, 37.2)
    _add(conn, run, "dover", 1.45, 51.0)
    _add(conn, run, "gibraltar", -5.5, 35.97)
    _add(conn, run, "aden", 48.0, 12.0)
    _add(conn, run, "pacific", -140.0, -30.0)
    _add(conn, run, "sasabe", -111.52, 31.55)
    _add(conn, run, "nowhere", None, None)
    enrich_incidents(conn, import_run_id=run)
    assert _sea_area(conn, "lampedusa-sea") == "mediterranean-sea"
    assert _sea_area(conn, "sicily-channel") == "strait-of-sicily"
    assert _sea_area(conn, "dover") == "strait-of-dover"
    assert _sea_area(conn, "gibraltar") == "strait-of-gibraltar"
    assert _sea_area(conn, "aden") == "gulf-of-aden"
    assert _sea_area(conn, "pacific") == "south-pacific-ocean"
    assert _sea_area(conn, "sasabe") is None
    assert _sea_area(conn, "nowhere") is None


def test_beach_is_land_boat_off_the_beach_is_named(conn: Connection) -> None:
    """Within 0.5 km of a coast: the coast's country, no sea area (unless a sea record); 1 km
    off the same coast: at sea and named."""
    points = {}
    for metres in (200, 1000):
        points[metres] = conn.execute(
            sa.text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointN(ST_ExteriorRing("
                " ST_Buffer(ST_Buffer(geom::geography, :m)::geometry, 0)), 1) AS p"
                " FROM (SELECT (ST_Dump(geom)).geom FROM countries WHERE iso3 = 'MLT') d"
                " ORDER BY ST_Area(geom) DESC LIMIT 1) q"
            ),
            {"m": metres},
        ).one()
    run = _run(conn)
    (beach_lon, beach_lat), (boat_lon, boat_lat) = points[200], points[1000]
    _add(conn, run, "beach", beach_lon, beach_lat)
    _add(conn, run, "boat-record", beach_lon, beach_lat, precision="sea_area")
    _add(conn, run, "boat", boat_lon, boat_lat)
    enrich_incidents(conn, import_run_id=run)
    assert _enriched(conn, "beach")["country"] == "MLT"
    assert _sea_area(conn, "beach") is None
    assert _enriched(conn, "boat-record")["country"] == "at_sea"
    assert _sea_area(conn, "boat-record") == _smallest_containing(conn, beach_lon, beach_lat)
    assert _enriched(conn, "boat")["country"] == "at_sea"
    assert _sea_area(conn, "boat") == _smallest_containing(conn, boat_lon, boat_lat) is not None


def test_sample_sea_area_is_set_exactly_for_at_sea_rows(conn: Connection) -> None:
    """The import path (merge) and re-enrichment agree, and name every at-sea record."""

    def state() -> dict[str, tuple[str | None, str | None]]:
        rows = conn.execute(
            sa.text("SELECT id::text, country, sea_area FROM incidents WHERE geom IS NOT NULL")
        )
        return {r[0]: (r[1], r[2]) for r in rows}

    imported = state()
    assert any(country == "at_sea" for country, _ in imported.values())
    for country, sea in imported.values():
        assert (country == "at_sea") == (sea is not None), (country, sea)
    enrich_incidents(conn)
    assert state() == imported


def _geography_km(conn: Connection, table: str, lon: float, lat: float, side: str = "") -> float:
    """Oracle: geography distance to the nearest piece (on one side of ±180 with ``side``)."""
    where = {"": "", "east": " WHERE ST_XMax(p.geom) > 0", "west": " WHERE ST_XMin(p.geom) < 0"}
    return float(
        conn.execute(
            sa.text(
                f"SELECT min(ST_Distance(p.geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat),"
                f" 4326)::geography)) / 1000.0 FROM {table} p{where[side]}"
            ),
            {"lon": lon, "lat": lat},
        ).scalar_one()
    )


def test_nearest_coast_and_border_across_the_antimeridian(conn: Connection) -> None:
    """KNN in degrees sees nothing across ±180; the lookup must (oracle: geography distance)."""
    cases = {  # name: (lon, lat, table, side of ±180 where the nearest piece is)
        "navarin-sea": (-179.5, 62.5, "coastline_parts", "east"),  # Cape Navarin, 179°E
        "taveuni-sea": (-179.99, -17.0, "coastline_parts", "east"),  # Fiji, 179.9°E
        "chukotka": (179.9, 66.0, "land_border_parts", "west"),  # CAN-USA in Alaska
    }
    run = _run(conn)
    for name, (lon, lat, _, _) in cases.items():
        _add(conn, run, name, lon, lat)
    enrich_incidents(conn, import_run_id=run)

    for name, (lon, lat, table, side) in cases.items():
        truth = _geography_km(conn, table, lon, lat)
        # Precondition: the nearest piece really is across ±180, farther on the point's side.
        assert (
            truth
            == _geography_km(conn, table, lon, lat, side)
            < _geography_km(conn, table, lon, lat, "west" if side == "east" else "east")
        ), name
        row = _enriched(conn, name)
        got = row["coast_distance_km" if table == "coastline_parts" else "border_distance_km"]
        # Measured to the closest point in lon/lat (docs/corridors.md), so not identical.
        assert abs(got - truth) <= 0.3 + 0.05 * truth, (name, got, truth)
    assert _enriched(conn, "navarin-sea")["country"] == "at_sea"
    assert _enriched(conn, "taveuni-sea")["country"] == "at_sea"
    chukotka = _enriched(conn, "chukotka")
    assert chukotka["country"] == "RUS"
    assert chukotka["border_pair"] == "CAN-USA"
    # The cut Natural Earth makes along 180° runs through Chukotka's land: it is not coast
    # (it was, at 4.5 km, before boundaries/sql/borders.sql dropped it).
    coast = _geography_km(conn, "coastline_parts", 179.9, 66.0)
    assert coast > 10
    assert abs(chukotka["coast_distance_km"] - coast) <= 0.3 + 0.05 * coast


def test_sea_area_is_the_same_either_side_of_the_antimeridian(conn: Connection) -> None:
    run = _run(conn)
    for lat in (58.0, -20.0, 30.0):  # Bering Sea (drawn across ±180), South and North Pacific
        _add(conn, run, f"east-{lat}", 179.99, lat)
        _add(conn, run, f"west-{lat}", -179.99, lat)
    enrich_incidents(conn, import_run_id=run)
    assert _sea_area(conn, "east-58.0") == _sea_area(conn, "west-58.0") == "bering-sea"
    assert _sea_area(conn, "east--20.0") == _sea_area(conn, "west--20.0") == "south-pacific-ocean"
    assert _sea_area(conn, "east-30.0") == _sea_area(conn, "west-30.0") == "north-pacific-ocean"


def test_h3_pentagon_centres_enrich_like_any_point(conn: Connection) -> None:
    """The 12 res-9 pentagons (5 neighbours, not 6): their centres enrich like any point."""
    import h3.api.basic_int as h3

    from geo import h3index

    run = _run(conn)
    centres = {}
    for i, pentagon in enumerate(h3.get_pentagons(h3index.DEFAULT_RES)):
        lon, lat = h3index.center(pentagon)
        cell = h3index.cell(lon, lat)
        assert h3.is_pentagon(cell) and cell == pentagon
        name = f"pentagon-{i}"
        _add(conn, run, name, lon, lat)
        conn.execute(
            sa.text(
                "UPDATE incidents SET h3_cell = :cell, h3_res = 9"
                " WHERE source = 'test-enrich' AND source_id = :name"
            ),
            {"cell": cell, "name": name},
        )
        centres[name] = (lon, lat)
    assert enrich_incidents(conn, import_run_id=run) == 12

    at_sea = 0
    for name, (lon, lat) in centres.items():
        row = _enriched(conn, name)
        inside = conn.execute(
            sa.text(
                "SELECT iso3 FROM countries"
                " WHERE ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
            ),
            {"lon": lon, "lat": lat},
        ).scalar_one_or_none()
        if inside is not None:
            assert row["country"] == inside, name
        else:  # on water: at sea, or a coast's country within the 0.5 km tolerance
            assert row["country"] == "at_sea" or row["coast_distance_km"] <= 0.5, name
        truth = _geography_km(conn, "coastline_parts", lon, lat)
        # Always the distance to a real coast; exact near coasts. Far offshore the 4 KNN
        # candidates (ranked in degrees) can miss the nearest coast: a known limit, not H3's.
        assert row["coast_distance_km"] >= 0.99 * truth, name
        if truth < 300:
            assert abs(row["coast_distance_km"] - truth) <= 0.3 + 0.05 * truth, name
        if row["country"] == "at_sea":
            at_sea += 1
            assert _sea_area(conn, name) == _smallest_containing(conn, lon, lat) is not None
        else:
            assert _sea_area(conn, name) is None
    assert at_sea >= 6  # most pentagons are in oceans, by H3's design
