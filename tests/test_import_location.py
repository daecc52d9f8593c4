"""Location precision, uncertainty-aware H3 and geocoding of rows without coordinates.

Rules in docs/import.md ("Location precision", "Rows without coordinates"). Files written here
are SYNTHETIC test fixtures; the fake geocoders return hand-made results and say so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo import h3index
from geo.geocode.model import Candidate, GeocodeResult
from geo.importers import run_import, runner
from geo.importers.base import Issues
from geo.importers.location import Inferred, decimals, given, grid_m, text_decimals
from geo.importers.text import sniff

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CURRENT = ROOT / "data" / "sample" / "mmp_current_layout_2014.csv"


# Rules, without a database --------------------------------------------------------------------


def test_decimals_ignore_the_zero_padding_of_mmp_exports() -> None:
    assert decimals("16.974168900000") == 7
    assert decimals(" 35.000000000000") == 0
    assert decimals("-110.5") == 1 and decimals("12") == 0
    assert text_decimals("31.650259, -110.37") == 2  # the coarser axis
    assert text_decimals("POINT(12.5 33.25)") == 1
    assert text_decimals("31°39'01\"N 110°21'59\"W") is None  # DMS: source default only


def test_inferred_precision_never_finer_than_the_source_default_or_the_grid() -> None:
    mmp = Inferred(5_000.0)
    assert mmp(7) == ("locality", 5_000.0, 5)  # many decimals: the MMP default decides
    assert mmp(None) == ("locality", 5_000.0, 5)
    one = mmp(1)  # 0.1° grid: ~7.9 km
    assert one[0] == "locality" and one[1] == pytest.approx(grid_m(1), abs=0.1) and one[2] == 5
    whole = mmp(0)  # whole degrees: ~79 km, an admin-level guess
    assert whole[0] == "admin" and 78_000 < whole[1] < 79_000 and whole[2] == 2
    assert Inferred(1_000.0)(6) == ("site", 1_000.0, 7)
    for n in range(9):
        precision, radius, res = mmp(n)
        assert precision != "exact" and res == h3index.resolution_for_uncertainty(radius)


def test_a_sources_own_precision_wins_and_bad_values_warn() -> None:
    infer, issues = Inferred(1_000.0), Issues()
    assert given("exact", "12", 6, infer, 2, issues) == ("exact", 12.0, 9)
    assert given("Sea_Area", None, 4, infer, 3, issues) == ("sea_area", 100_000.0, 2)
    assert given(None, 20_000, 6, infer, 4, issues) == ("locality", 20_000.0, 4)
    assert given("exact", None, 0, infer, 5, issues)[1] == round(grid_m(0), 1)  # grid floor
    assert issues.warnings == []
    assert given("town", "-5", 6, infer, 6, issues) == infer(6)
    assert given(None, "far", 6, infer, 7, issues) == infer(6)
    assert [(w["row"], w["field"]) for w in issues.warnings] == [
        (6, "location_precision"),
        (6, "uncertainty_m"),
        (7, "uncertainty_m"),
    ]
    assert "exact, site, locality, admin, country, sea_area" in issues.warnings[0]["message"]


# The imported sample ----------------------------------------------------------------------------


def test_every_located_row_has_precision_and_its_cell_at_the_supported_resolution(
    conn: Connection,
) -> None:
    rows = conn.execute(
        sa.text(
            "SELECT ST_X(geom) AS lon, ST_Y(geom) AS lat, h3_cell, h3_res, uncertainty_m, "
            "location_precision, location_source FROM incidents "
            "WHERE source = 'iom-mmp' AND geom IS NOT NULL"
        )
    ).all()
    assert len(rows) > 3_000
    for r in rows:
        assert r.location_precision is not None and r.location_source in ("source", "geocoded")
        assert r.h3_res == h3index.resolution_for_uncertainty(r.uncertainty_m)
        assert r.h3_cell == h3index.cell(r.lon, r.lat, r.h3_res)
        if r.location_source == "source":
            assert r.location_precision != "exact" and r.uncertainty_m >= 5_000
    unlocated = conn.execute(
        sa.text(
            "SELECT count(*) FROM incidents WHERE source = 'iom-mmp' AND geom IS NULL "
            "AND (h3_cell IS NOT NULL OR location_precision IS NOT NULL "
            "OR location_source IS NOT NULL)"
        )
    ).scalar_one()
    assert unlocated == 0


def test_current_sample_rows_without_coordinates_are_geocoded(conn: Connection) -> None:
    rows = conn.execute(
        sa.text(
            "SELECT location_text, location_precision, uncertainty_m, location_source, country, "
            "geocode, review_state, geom IS NOT NULL AS placed FROM incidents "
            "WHERE source = 'iom-mmp' AND raw->>'Coordinates' = '0'"
        )
    ).all()
    assert len(rows) == 36  # the sample's rows with "0" for coordinates
    for r in rows:
        assert r.geocode["status"] == "matched" and r.geocode["placed"]
        assert r.placed and r.location_source == "geocoded"
        assert r.location_precision == r.geocode["precision"]
        assert r.uncertainty_m == pytest.approx(r.geocode["uncertainty_m"], abs=1)
        if "Arizona" in r.location_text:
            assert r.country == "USA" and r.location_precision == "admin"
        else:  # "off the coast of Libya": a sea_area record takes the at-sea country
            assert r.location_precision == "sea_area" and r.country == "at_sea"
    checksum, _ = sniff(SAMPLE_CURRENT)
    warnings = conn.execute(
        sa.text("SELECT warnings FROM import_runs WHERE checksum = :c AND status = 'succeeded'"),
        {"c": checksum},
    ).scalar_one()
    geocoded = [w for w in warnings if w["kind"].startswith("geocoded from location text")]
    assert len(geocoded) == 36 and all(isinstance(w["row"], int) for w in geocoded)
    messages = {w["message"] for w in geocoded}
    assert any("geocoded from location text: 'Arizona' (admin, ±" in m for m in messages)


def test_forced_reimport_of_the_geocoded_sample_changes_nothing(conn: Connection) -> None:
    forced = run_import(conn, importer="mmp", path=SAMPLE_CURRENT, force=True)
    assert forced.status == "succeeded", forced.to_dict()
    assert (forced.inserted, forced.updated) == (0, 0)
    assert forced.unchanged == forced.rows_read - forced.rejected


# Geocoding at import, with SYNTHETIC fake geocoders ----------------------------------------------


def _features(path: Path, features: list[dict[str, Any]]) -> Path:
    collection = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(collection), encoding="utf-8")
    return path


def _feature(ident: str, point: list[float] | None, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": point} if point else None,
        "properties": {"id": ident, "category": "death", "event_date": "2019-03-01", **props},
    }


class FakeGeocoder:
    """SYNTHETIC: answers from a dict of text → result and counts the calls."""

    def __init__(self, answers: dict[str, GeocodeResult]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, str | None, str | None]] = []

    def __call__(
        self, text: str, *, country: str | None = None, region: str | None = None
    ) -> GeocodeResult:
        self.calls.append((text, country, region))
        return self.answers.get(text, GeocodeResult(query=text, status="not_found", reason="x"))


def _ambiguous(text: str) -> GeocodeResult:
    cands = [
        Candidate("Tripoli", 32.89, 13.19, "LBY", "city", 0.8, "geonames"),
        Candidate("Tripoli", 34.44, 35.85, "LBN", "city", 0.8, "geonames"),
    ]
    return GeocodeResult(query=text, status="ambiguous", score=0.8, candidates=cands)


def _matched(text: str, score: float = 0.9) -> GeocodeResult:
    cand = Candidate("Tripoli", 32.89, 13.19, "LBY", "city", score, "geonames")
    return GeocodeResult(
        query=text, status="matched", lat=32.89, lon=13.19, precision="locality",
        uncertainty_m=12_000.0, score=score, matched_name="Tripoli", matched_source="geonames",
        country="LBY", candidates=[cand], reason="name match",
    )  # fmt: skip


def _stored(conn: Connection, source: str) -> dict[str, Any]:
    rows = conn.execute(
        sa.text(
            "SELECT source_id, ST_X(geom) AS lon, h3_res, location_precision, uncertainty_m, "
            "location_source, geocode, quality_flags, review_state FROM incidents "
            "WHERE source = :s"
        ),
        {"s": source},
    ).mappings()
    return {r["source_id"]: dict(r) for r in rows}


def test_ambiguous_text_is_flagged_not_guessed_and_a_later_match_lifts_the_flag(
    conn: Connection, tmp_path: Path
) -> None:
    path = _features(
        tmp_path / "synthetic.geojson",
        [
            _feature("A", None, location_text="Tripoli", region_text="Mediterranean"),
            _feature("B", None, location_text="Tripoli", region_text="Mediterranean"),
            _feature("C", None, location_text="Nowhere in particular"),
            _feature("D", [12.5, 33.5], location_text="Tripoli"),  # has a point: not geocoded
            _feature("E", None),  # nothing to geocode
        ],
    )
    first = FakeGeocoder({"Tripoli": _ambiguous("Tripoli")})
    report = run_import(conn, importer="geojson", path=path, source="t-geo", geocoder=first)
    assert report.status == "succeeded", report.to_dict()
    assert first.calls == [
        ("Tripoli", None, "Mediterranean"),  # once for A and B
        ("Nowhere in particular", None, None),
    ]
    rows = _stored(conn, "t-geo")
    for key in ("A", "B"):
        assert rows[key]["lon"] is None and rows[key]["location_source"] is None
        assert rows[key]["review_state"] == "flagged"
        (flag,) = rows[key]["quality_flags"]
        assert flag["check"] == "ambiguous_location"
        assert {c["country"] for c in flag["candidates"]} == {"LBY", "LBN"}
        assert rows[key]["geocode"]["status"] == "ambiguous"
    assert rows["C"]["geocode"]["status"] == "not_found" and rows["C"]["review_state"] == (
        "unreviewed"
    )
    assert rows["D"]["location_source"] == "source" and rows["D"]["geocode"] is None
    assert rows["E"]["geocode"] is None and rows["E"]["location_precision"] is None
    kinds = report.warning_counts()
    assert kinds["location: ambiguous location text (flagged)"] == 2
    assert kinds["location: location text not found"] == 1
    assert kinds["location: not geocoded: no location text"] == 1

    second = FakeGeocoder({"Tripoli": _matched("Tripoli")})
    again = run_import(
        conn, importer="geojson", path=path, source="t-geo", geocoder=second, force=True
    )
    assert (again.inserted, again.updated) == (0, 2), again.to_dict()  # A and B now placed
    rows = _stored(conn, "t-geo")
    for key in ("A", "B"):
        row = rows[key]
        assert row["lon"] == 13.19 and row["location_source"] == "geocoded"
        assert (row["location_precision"], row["uncertainty_m"]) == ("locality", 12_000.0)
        assert row["h3_res"] == h3index.resolution_for_uncertainty(12_000.0) == 4
        assert row["quality_flags"] == [] and row["review_state"] == "unreviewed"
        assert row["geocode"]["match"] == "Tripoli" and row["geocode"]["score"] == 0.9
    messages = [w["message"] for w in again.warnings if w["row"] == 0 and w["field"] == "location"]
    assert messages == ["geocoded from location text: 'Tripoli' (locality, ±12 km)"]


def test_weak_matches_are_not_used_and_no_geocoding_without_a_need(
    conn: Connection, tmp_path: Path
) -> None:
    weak = FakeGeocoder({"Tripoli": _matched("Tripoli", score=0.45)})
    path = _features(tmp_path / "weak.geojson", [_feature("W", None, location_text="Tripoli")])
    report = run_import(conn, importer="geojson", path=path, source="t-weak", geocoder=weak)
    row = _stored(conn, "t-weak")["W"]
    assert row["lon"] is None and row["geocode"]["placed"] is False
    assert report.warning_counts()["location: weak geocode match not used"] == 1

    unused = FakeGeocoder({})
    located = _features(tmp_path / "located.geojson", [_feature("L", [12.5, 33.5])])
    run_import(conn, importer="geojson", path=located, source="t-located", geocoder=unused)
    assert unused.calls == []


# Source-given precision and the sea_area country rule --------------------------------------------


def _coastal_point(conn: Connection) -> tuple[float, float, str]:
    """A sample point within the 0.5 km coast tolerance but outside every country polygon.

    The same one every session (ids are random), written with more than one decimal on each
    axis, so the grid step of its coordinates (≤ 787 m) stays below the radii the tests give."""
    row = conn.execute(
        sa.text(
            "SELECT ST_X(geom), ST_Y(geom), country FROM incidents i "
            "WHERE country <> 'at_sea' AND coast_distance_km < 0.5 AND NOT EXISTS "
            "(SELECT 1 FROM country_parts p WHERE ST_Intersects(p.geom, i.geom)) "
            "AND ST_X(geom) <> round(ST_X(geom)::numeric, 1) "
            "AND ST_Y(geom) <> round(ST_Y(geom)::numeric, 1) "
            "ORDER BY source, source_id LIMIT 1"
        )
    ).one()
    return float(row[0]), float(row[1]), str(row[2])


@pytest.mark.parametrize("bulk", [False, True], ids=["merge", "bulk-merge"])
def test_sea_area_records_take_the_at_sea_country_in_every_merge_path(
    conn: Connection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bulk: bool
) -> None:
    if bulk:  # force the drop-indexes path on a tiny file
        monkeypatch.setattr(runner, "BULK_MIN_ROWS", 1)
        monkeypatch.setattr(runner, "BULK_SHARE", 0.0)
    lon, lat, coast_country = _coastal_point(conn)
    path = _features(
        tmp_path / "sea.geojson",
        [
            _feature("S", [lon, lat], location_precision="sea_area", uncertainty_m=40_000),
            _feature("N", [lon, lat]),
            _feature("X", [lon, lat], location_precision="somewhere", uncertainty_m=-3),
        ],
    )
    report = run_import(conn, importer="geojson", path=path, source="t-sea")
    assert report.status == "succeeded" and report.inserted == 3, report.to_dict()
    got = {
        r.source_id: r
        for r in conn.execute(
            sa.text(
                "SELECT source_id, country, location_precision, uncertainty_m, h3_res "
                "FROM incidents WHERE source = 't-sea'"
            )
        )
    }
    assert (got["S"].country, got["S"].location_precision, got["S"].uncertainty_m) == (
        "at_sea", "sea_area", 40_000.0,
    )  # fmt: skip
    assert got["S"].h3_res == 3
    assert got["N"].country == coast_country and got["N"].location_precision == "site"
    assert got["X"].location_precision == got["N"].location_precision  # bad values: inferred
    assert {w["field"] for w in report.warnings if w["row"] == 2} == {
        "location_precision",
        "uncertainty_m",
    }


def test_csv_mapping_columns_and_constants_give_the_sources_precision(
    conn: Connection, tmp_path: Path
) -> None:
    data = tmp_path / "synthetic_log.csv"
    data.write_text(
        "Case,Date,Lat,Lon,Precision,Radius\n"
        "P-1,2021-05-03,45.1234567,15.7654321,exact,15\n"
        "P-2,2021-05-04,45.12,15.76,,\n"
        "P-3,2021-05-05,45.1234567,15.7654321,village,lots\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        'source = "t-prec"\nid_column = "Case"\n'
        '[columns]\nevent_date = "Date"\nlat = "Lat"\nlon = "Lon"\n'
        'location_precision = "Precision"\nuncertainty_m = "Radius"\n'
        '[constants]\ncategory = "pushback"\nlocation_precision = "locality"\n',
        encoding="utf-8",
    )
    report = run_import(conn, importer="csv", path=data, mapping=mapping)
    assert report.status == "succeeded" and report.inserted == 3, report.to_dict()
    got = {
        r.source_id: (r.location_precision, r.uncertainty_m, r.h3_res)
        for r in conn.execute(
            sa.text(
                "SELECT source_id, location_precision, uncertainty_m, h3_res FROM incidents "
                "WHERE source = 't-prec'"
            )
        )
    }
    assert got["P-1"] == ("exact", 15.0, 9)
    assert got["P-2"] == ("locality", 5_000.0, 5)  # empty cell: the mapping's constant
    # 'village' is not a class (the constant only fills empty cells) and 'lots' not a radius
    assert got["P-3"] == ("site", 1_000.0, 7)
    assert {w["field"] for w in report.warnings if w["row"] == 4} == {
        "location_precision",
        "uncertainty_m",
    }
    bad = tmp_path / "bad.toml"
    bad.write_text(
        mapping.read_text().replace('location_precision = "locality"', "uncertainty_m = -1"),
        encoding="utf-8",
    )
    failed = run_import(conn, importer="csv", path=data, mapping=bad)
    assert failed.status == "failed" and "uncertainty_m must be a radius" in (failed.error or "")
