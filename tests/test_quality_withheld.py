"""Issue 13 item 6: no public point where the platform believes the point is wrong.

Strong evidence of swapped coordinates (the text names a country and the flipped point lies in
it) fixes the point; weaker evidence withholds it: the record is placed at the named country
(precision ``country``, the country's size as uncertainty, a coarse H3 cell) and the source's
point is kept in the non-public ``review_geom``.
"""

from __future__ import annotations

import csv
import re
import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo import h3index
from geo.enrich import enrich_incidents
from geo.quality import QualityReport, check_placements
from tests.conftest import ROOT
from tests.factories import insert_import_run, insert_incident

# In Egypt, ~100 km east of the Libyan border; flipped (25.1 E, 26.0 N) it lies in Egypt ~10 km
# from Libya: the swap agrees within the land tolerance but is not inside the named country.
WEAK = {
    "lon": 26.0,
    "lat": 25.1,
    "location_text": "Unspecified location in the Sahara desert, Libya",
}


def _weak_record(conn: Connection) -> tuple[uuid.UUID, str]:
    run = insert_import_run(conn, "test-withheld")
    ident = insert_incident(
        conn, source="test-withheld", import_run_id=run, event_date=None, **WEAK
    )
    enrich_incidents(conn, import_run_id=run)
    return run, str(ident)


def _state(conn: Connection, ident: str) -> sa.Row[Any]:
    return conn.execute(
        sa.text(
            "SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat, ST_X(review_geom) AS review_lon,"
            " ST_Y(review_geom) AS review_lat, country, location_precision, uncertainty_m,"
            " h3_res, h3_cell, review_state, quality_flags,"
            " ST_Intersects(geom, (SELECT geom FROM countries WHERE iso3 = 'LBY')) AS in_libya"
            " FROM incidents WHERE id = :id"
        ),
        {"id": ident},
    ).one()


def _libya_label() -> tuple[float, float, float]:
    with (ROOT / "geo" / "data" / "countries.csv").open(encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["adm0_a3"] == "LBY")
    return float(row["lon"]), float(row["lat"]), float(row["radius_m"])


def test_weak_evidence_places_the_record_at_the_named_country_and_keeps_the_point(
    conn: Connection,
) -> None:
    run, ident = _weak_record(conn)
    assert _state(conn, ident).country == "EGY"

    report = check_placements(conn, import_run_id=run)

    row = _state(conn, ident)
    lon, lat, radius = _libya_label()
    assert (row.lon, row.lat) == (lon, lat)
    assert row.in_libya and row.country == "LBY"  # re-enriched at the new point
    assert (row.review_lon, row.review_lat) == (WEAK["lon"], WEAK["lat"])
    assert row.location_precision == "country" and row.uncertainty_m == radius
    assert row.h3_res == h3index.resolution_for_uncertainty(radius) == 0
    assert row.h3_cell == h3index.cell(lon, lat, row.h3_res)
    assert row.review_state == "flagged"
    assert [(f["check"], f.get("action"), f.get("area")) for f in row.quality_flags] == [
        ("swapped_coordinates", "withheld", "LBY")
    ]
    assert report.fixed == [] and [w["id"] for w in report.withheld] == [ident]
    assert report.counts()["withheld"] == 1
    [warning] = report.warnings
    assert warning["kind"] == "latitude and longitude swapped: point withheld"
    assert "Libya (LBY) as a whole" in warning["message"] and "Egypt" in warning["message"]
    assert not re.search(r"\b2[56]\.[0-9]", warning["message"])  # words, not coordinates


def test_a_second_pass_never_moves_a_withheld_point_again(conn: Connection) -> None:
    run, ident = _weak_record(conn)
    check_placements(conn, import_run_id=run)
    before = _state(conn, ident)

    again = check_placements(conn, import_run_id=run)

    assert again.fixed == [] and again.withheld == [] and again.changed == 0
    assert _state(conn, ident) == before


def test_dry_run_reports_the_withheld_point_and_writes_nothing(conn: Connection) -> None:
    run, ident = _weak_record(conn)
    before = _state(conn, ident)
    report = check_placements(conn, import_run_id=run, write=False)
    assert [(w["id"], w["level"], w["area"]) for w in report.withheld] == [
        (ident, "country", "LBY")
    ]
    assert _state(conn, ident) == before


@pytest.mark.parametrize(
    ("record", "precision", "country"),
    [
        # no country named; in Sudan, flipped at sea inside the Mediterranean region's box
        (
            {"lon": 35.0, "lat": 18.0, "location_text": "Unspecified location"},
            "sea_area",
            "at_sea",
        ),
        # no country named; in South Sudan, flipped into Algeria inside North Africa's box
        (
            {"lon": 30.5, "lat": 8.0, "location_text": "Unspecified location in the desert"},
            "country",
            "DZA",
        ),
    ],
)
def test_with_no_country_named_the_point_is_withheld_at_the_flipped_points_area(
    conn: Connection, record: dict[str, Any], precision: str, country: str
) -> None:
    region = "Mediterranean" if precision == "sea_area" else "North Africa"
    run = insert_import_run(conn, "test-withheld")
    ident = insert_incident(
        conn, source="test-withheld", import_run_id=run, region_text=region, **record
    )
    enrich_incidents(conn, import_run_id=run)

    report = check_placements(conn, import_run_id=run)

    assert [w["id"] for w in report.withheld] == [str(ident)]
    row = conn.execute(
        sa.text(
            "SELECT location_precision, country, sea_area, uncertainty_m, h3_res,"
            " ST_X(review_geom) AS x, ST_Y(review_geom) AS y,"
            # the area's circle holds the point the evidence supports (the flipped one)
            " ST_Distance(CAST(geom AS geography),"
            "             CAST(ST_FlipCoordinates(review_geom) AS geography)) AS to_flipped,"
            " (SELECT bool_or(ST_Intersects(a.geom, i.geom)) FROM sea_areas a"
            "  WHERE a.slug = i.sea_area) AS in_sea_area"
            " FROM incidents i WHERE id = :id"
        ),
        {"id": ident},
    ).one()
    assert (row.location_precision, row.country) == (precision, country)
    assert (row.x, row.y) == (record["lon"], record["lat"])
    assert row.to_flipped <= row.uncertainty_m
    assert row.h3_res == h3index.resolution_for_uncertainty(row.uncertainty_m)
    if precision == "sea_area":
        assert row.sea_area is not None and row.in_sea_area


@pytest.mark.anyio
async def test_the_api_serves_the_country_level_point_never_the_withheld_one(
    client: httpx.AsyncClient, conn: Connection
) -> None:
    run, ident = _weak_record(conn)
    check_placements(conn, import_run_id=run)

    response = await client.get(f"/incidents/{ident}")
    assert response.status_code == 200, response.text
    body = response.json()
    lon, lat, radius = _libya_label()
    assert body["geometry"]["coordinates"] == [lon, lat]
    props = body["properties"]
    assert (props["precision"], props["uncertainty_m"], props["h3_res"]) == ("country", radius, 0)
    assert [r["check"] for r in props["review_reasons"]] == ["swapped_coordinates"]
    assert "Libya (LBY) as a whole" in props["review_reasons"][0]["summary"]
    assert "26.0" not in response.text and "25.1," not in response.text
    assert "review_geom" not in response.text


# --- the bundled sample (imported with the checks by the session fixture) ---------------------


def test_the_two_named_sample_records_are_no_longer_at_the_bad_point(conn: Connection) -> None:
    rows = conn.execute(
        sa.text(
            """
            SELECT i.location_text, i.country,
                   ST_DWithin(CAST(i.geom AS geography),
                              CAST(ST_MakePoint(15.104, 36.475) AS geography), 5000) AS at_sicily
            FROM incidents i
            WHERE (i.location_text = 'Eritrea, near the border with Sudan'
                   AND i.event_date = DATE '2017-12-20')
               OR i.location_text = 'Unspecified location in the Sahara desert, Libya'
            """
        )
    ).all()
    eritrea = [r for r in rows if r.location_text.startswith("Eritrea")]
    sahara = [r for r in rows if r.location_text.startswith("Unspecified")]
    assert len(eritrea) == 1 and len(sahara) >= 10
    assert not eritrea[0].at_sicily and eritrea[0].country in ("ERI", "SDN")
    assert {r.country for r in sahara} == {"LBY"}  # none left in Sudan or Egypt


def test_no_public_record_keeps_an_unapplied_swap_at_its_swapped_point(conn: Connection) -> None:
    """Every public record whose swap was suggested at import is fixed or withheld, so its
    served point differs from the source's: counted independently of the pass's tables."""
    still = conn.execute(
        sa.text(
            """
            SELECT count(*) FROM incidents i, jsonb_array_elements(i.quality_flags) f
            WHERE i.sensitivity = 'public' AND i.review_state <> 'rejected'
              AND f ->> 'check' = 'swapped_coordinates'
              AND f ->> 'action' IS DISTINCT FROM 'fixed'
              AND f ->> 'action' IS DISTINCT FROM 'withheld'
            """
        )
    ).scalar_one()
    assert still == 0
    # a fixed record sits at the flipped point, a withheld one away from its kept point
    moved = conn.execute(
        sa.text(
            """
            SELECT count(*) FILTER (WHERE f ->> 'action' = 'fixed'
                                      AND abs(ST_Y(i.geom) - CAST(f -> 'to' ->> 0 AS float8))
                                          <= 1e-6
                                      AND abs(ST_X(i.geom) - CAST(f -> 'to' ->> 1 AS float8))
                                          <= 1e-6),
                   count(*) FILTER (WHERE f ->> 'action' = 'fixed'),
                   count(*) FILTER (WHERE f ->> 'action' = 'withheld'
                                      AND NOT ST_Equals(i.geom, i.review_geom)),
                   count(*) FILTER (WHERE f ->> 'action' = 'withheld')
            FROM incidents i, jsonb_array_elements(i.quality_flags) f
            WHERE f ->> 'check' = 'swapped_coordinates'
            """
        )
    ).one()
    assert moved[0] == moved[1] >= 180
    assert moved[2] == moved[3]


def test_the_sample_imports_report_every_fix_and_withheld_point(conn: Connection) -> None:
    """The import reports' warnings (import_runs.warnings) count exactly the records whose
    flags hold a fix or a withheld point, and a new pass finds nothing left to move."""
    reported = dict(
        conn.execute(
            sa.text(
                "SELECT w ->> 'kind', count(*) FROM import_runs r,"
                " jsonb_array_elements(r.warnings) w"
                " WHERE w ->> 'kind' LIKE 'latitude and longitude swapped%' GROUP BY 1"
            )
        ).all()
    )
    stored = conn.execute(
        sa.text(
            "SELECT count(*) FILTER (WHERE quality_flags @> CAST(:fixed AS jsonb)),"
            " count(*) FILTER (WHERE quality_flags @> CAST(:withheld AS jsonb)) FROM incidents"
        ),
        {
            "fixed": '[{"check": "swapped_coordinates", "action": "fixed"}]',
            "withheld": '[{"check": "swapped_coordinates", "action": "withheld"}]',
        },
    ).one()
    assert reported.get("latitude and longitude swapped: fixed", 0) == stored[0] >= 180
    assert reported.get("latitude and longitude swapped: point withheld", 0) == stored[1]
    report: QualityReport = check_placements(conn, write=False)
    assert report.counts()["fixed"] == 0 and report.counts()["withheld"] == 0
    assert "withheld" in report.summary()
