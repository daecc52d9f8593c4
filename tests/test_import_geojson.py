"""GeoJSON FeatureCollections of points, on PostGIS."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.importers import run_import
from geo.report import ImportReport

POINTS = Path(__file__).parent / "fixtures" / "points.geojson"


def test_points_imported_and_bad_geometries_rejected_by_feature_index(conn: Connection) -> None:
    report = run_import(conn, importer="geojson", path=POINTS, source="test-points")
    assert report.status == "succeeded", report.to_dict()
    assert report.layout == "geojson-points"
    reasons = {r["row"]: r["reason"] for r in report.rejections}
    assert set(reasons) == {1, 2, 4}
    assert "LineString" in reasons[1]
    assert "longitude 215" in reasons[2]
    assert "category 'nonsense'" in reasons[4]
    rows = {
        r["source_id"]: r
        for r in conn.execute(
            sa.text(
                "SELECT source_id, category, pushed_back, pushed_from, pushed_to, violence_types, "
                "ST_X(geom) AS lon, raw FROM incidents WHERE source = 'test-points'"
            )
        ).mappings()
    }
    assert set(rows) == {"T-1", "T-4"}
    t1 = rows["T-1"]
    assert (t1["category"], t1["pushed_back"], t1["pushed_from"], t1["pushed_to"]) == (
        "pushback", 12, "HRV", "BIH",
    )  # fmt: skip
    assert t1["violence_types"] == ["beating", "theft"]
    assert t1["lon"] == 15.75
    assert t1["raw"]["location_text"] == "Test fixture forest near border"
    assert rows["T-4"]["lon"] is None  # null geometry: kept, without a location
    assert any(w["row"] == 3 and w["field"] == "geometry" for w in report.warnings)


def test_source_defaults_to_file_stem_and_not_a_collection_fails(
    conn: Connection, tmp_path: Path
) -> None:
    report = run_import(conn, importer="geojson", path=POINTS)
    assert report.source == "points" and report.status == "succeeded"
    bad = tmp_path / "single.geojson"
    bad.write_text(json.dumps({"type": "Feature", "geometry": None, "properties": {}}))
    failed = run_import(conn, importer="geojson", path=bad)
    assert failed.status == "failed"
    assert failed.error == "not a GeoJSON FeatureCollection"


def _collection(features: list[dict[str, object]], **extra: object) -> dict[str, object]:
    return {"type": "FeatureCollection", **extra, "features": features}


def _point_feature(properties: dict[str, object], fid: str | None = None) -> dict[str, object]:
    feature: dict[str, object] = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [15.5, 45.1]},
        "properties": {"event_date": "2020-01-02", "category": "death", **properties},
    }
    if fid is not None:
        feature["id"] = fid
    return feature


def _import_features(
    conn: Connection, path: Path, features: list[dict[str, object]], source: str
) -> ImportReport:
    """The features written to ``path`` as a FeatureCollection, then imported."""
    path.write_text(json.dumps(_collection(features)))
    return run_import(conn, importer="geojson", path=path, source=source)


def _reasons(report: ImportReport) -> dict[int, str]:
    """Rejection reasons by feature index, of a run that succeeded."""
    assert report.status == "succeeded", report.error
    return {r["row"]: r["reason"] for r in report.rejections}


def test_properties_the_database_cannot_store_reject_that_feature_not_the_file(
    conn: Connection, tmp_path: Path
) -> None:
    path = tmp_path / "nul.geojson"
    features = [
        _point_feature({"location_text": "a\x00b"}),
        _point_feature({"note": float("nan")}),
        _point_feature({}, fid="x\x00y"),
        _point_feature({"note": "a literal \\u0000 is text"}),
        _point_feature({"location_text": "half a pair \ud800"}),
    ]
    report = _import_features(conn, path, features, "test-nul")
    reasons = _reasons(report)
    assert reasons == {
        0: "properties contain a NUL character",
        1: "properties contain NaN or Infinity",
        2: "properties contain a NUL character",
        4: "properties contain an invalid character (a lone surrogate escape)",
    }
    assert (report.inserted, report.rows_read) == (1, 5)


def test_unusable_json_and_a_projected_crs_fail_with_a_clear_error(
    conn: Connection, tmp_path: Path
) -> None:
    cases = {
        "deep.geojson": "[" * 100_000 + "]" * 100_000,
        "bigint.geojson": '{"type": "FeatureCollection", "features": [' + "9" * 5000 + "]}",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        failed = run_import(conn, importer="geojson", path=tmp_path / name)
        assert failed.status == "failed" and failed.error.startswith("not valid JSON"), name
    projected = tmp_path / "mercator.geojson"
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    projected.write_text(json.dumps(_collection([_point_feature({})], crs=crs)))
    failed = run_import(conn, importer="geojson", path=projected)
    assert failed.status == "failed"
    assert "EPSG::3857" in failed.error and "WGS 84" in failed.error
    wgs84 = tmp_path / "wgs84.geojson"
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    wgs84.write_text(json.dumps(_collection([_point_feature({})], crs=crs)))
    assert run_import(conn, importer="geojson", path=wgs84).inserted == 1


def test_reported_date_is_read_like_the_csv_importer_does(conn: Connection, tmp_path: Path) -> None:
    path = tmp_path / "reported.geojson"
    features = [
        _point_feature({"reported_date": "2020-01-05"}, fid="R-1"),
        _point_feature({"reported_date": "2020-02-30"}, fid="R-2"),
    ]
    report = _import_features(conn, path, features, "test-reported")
    assert [(r["row"], r["kind"]) for r in report.rejections] == [(1, "bad date")]
    stored = conn.execute(
        sa.text("SELECT reported_date::text FROM incidents WHERE source = 'test-reported'")
    ).scalar_one()
    assert stored == "2020-01-05"


def test_list_properties_must_hold_strings(conn: Connection, tmp_path: Path) -> None:
    """Objects, nulls or numbers in a list were stored as Python's text ("{'a': 1}", "None")."""
    path = tmp_path / "lists.geojson"
    features = [
        _point_feature({"violence_types": [{"a": 1}, None]}, fid="L-0"),
        _point_feature({"violence_types": ["beating", None]}, fid="L-1"),
        _point_feature({"origin_countries": {"SYR": 1}}, fid="L-2"),
        _point_feature({"origin_countries": ["SYR", 760]}, fid="L-3"),
        _point_feature({"location_text": {"name": "Velika Kladuša"}}, fid="L-4"),
        _point_feature({"violence_types": [" beating ", "", "theft"]}, fid="L-5"),
        _point_feature({"violence_types": "beating; theft", "origin_countries": None}, fid="L-6"),
    ]
    report = _import_features(conn, path, features, "test-lists")
    reasons = _reasons(report)
    assert reasons == {
        0: "property 'violence_types': item 0 is an object; the array must hold strings",
        1: "property 'violence_types': item 1 is null; the array must hold strings",
        2: "property 'origin_countries' is an object; give an array of strings "
        "(or one string separated by ';')",
        3: "property 'origin_countries': item 1 is a number; the array must hold strings",
        4: "property 'location_text' is an object; give text",
    }
    stored = dict(
        conn.execute(
            sa.text("SELECT source_id, violence_types FROM incidents WHERE source = 'test-lists'")
        ).all()
    )
    assert stored == {"L-5": ["beating", "theft"], "L-6": ["beating", "theft"]}


def test_a_separator_inside_a_list_item_rejects_the_feature(
    conn: Connection, tmp_path: Path
) -> None:
    """Staging joins list items with a unit separator: one inside an item split it in two."""
    path = tmp_path / "separator.geojson"
    features = [
        _point_feature({"violence_types": ["beating\x1ftheft"]}, fid="S-0"),
        _point_feature({"origin_countries": "Syria; Iraq\x1fIran"}, fid="S-1"),
        _point_feature({"violence_types": ["dog \x00bite"]}, fid="S-2"),
        _point_feature({"violence_types": ["beating", "theft"]}, fid="S-3"),
    ]
    report = _import_features(conn, path, features, "test-separator")
    reasons = _reasons(report)
    separator = "contains a control character (NUL/unit separator); remove it"
    assert reasons == {
        0: f"property 'violence_types': item 0 {separator}",
        1: f"property 'origin_countries': item 1 {separator}",
        2: f"property 'violence_types': item 0 {separator}",
    }
    stored = conn.execute(
        sa.text("SELECT source_id, violence_types FROM incidents WHERE source = 'test-separator'")
    ).all()
    assert [tuple(r) for r in stored] == [("S-3", ["beating", "theft"])]


def test_an_id_that_is_not_a_string_or_number_rejects_the_feature(
    conn: Connection, tmp_path: Path
) -> None:
    """RFC 7946: an id is a string or a number. ``true`` used to become the key "True"."""
    path = tmp_path / "ids.geojson"
    features = [
        {**_point_feature({}), "id": True},
        {**_point_feature({}), "id": {"n": 1}},
        {**_point_feature({}), "id": [1]},
        _point_feature({"source_id": False}),
        _point_feature({"id": {"n": 2}}, fid="shadowed"),
        {**_point_feature({"dead": 1}), "id": 7},
        {**_point_feature({"dead": 2}), "id": 7.5},
        {**_point_feature({"dead": 3}), "id": 8.0},
        _point_feature({"id": 9, "dead": 4}),
    ]
    report = _import_features(conn, path, features, "test-ids")
    reasons = _reasons(report)
    assert reasons == {
        0: "feature id must be a string or a number, not a boolean",
        1: "feature id must be a string or a number, not an object",
        2: "feature id must be a string or a number, not an array",
        3: "property 'source_id' must be a string or a number, not a boolean",
        4: "property 'id' must be a string or a number, not an object",
    }
    rows = conn.execute(sa.text("SELECT source_id, dead FROM incidents WHERE source = 'test-ids'"))
    stored = {r.source_id: r.dead for r in rows}
    # Numbers keep their Python text (documented): 8.0 stays "8.0", as earlier imports keyed it.
    assert stored == {"7": 1, "7.5": 2, "8.0": 3, "9": 4}
    again = run_import(conn, importer="geojson", path=path, source="test-ids", force=True)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)


def test_a_feature_id_that_is_not_finite_rejects_the_feature(
    conn: Connection, tmp_path: Path
) -> None:
    path = tmp_path / "nan_id.geojson"
    text = json.dumps(_collection([{**_point_feature({}), "id": 1.5}]))
    path.write_text(text.replace('"id": 1.5', '"id": NaN'))
    report = run_import(conn, importer="geojson", path=path, source="test-nan-id")
    reasons = [r["reason"] for r in report.rejections]
    assert reasons == ["feature id must be a string or a finite number, not NaN or Infinity"]
