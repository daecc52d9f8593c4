"""Enrichment of incidents against the reference layers, on points whose answer we know."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.enrich import enrich_incidents


def _run(conn: Connection) -> uuid.UUID:
    return conn.execute(
        sa.text(
            "INSERT INTO import_runs (importer, source, file_name, checksum)"
            " VALUES ('geojson', 'test-enrich', 'test.geojson', md5(random()::text))"
            " RETURNING id"
        )
    ).scalar_one()


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
