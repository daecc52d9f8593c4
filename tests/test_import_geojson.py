"""GeoJSON FeatureCollections of points, on PostGIS."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.importers import run_import

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
