"""Reference layers: plausible counts and lengths, a valid corridor per required slug, a
catalogue that maps every MMP route name we have seen, sea areas that name all water (smaller
wins, wrapped at the antimeridian), idempotent and skippable reloads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from boundaries.catalogue import CatalogueError, load_catalogue
from boundaries.load import SEA_ROUTES, input_checksum, load_boundaries
from boundaries.sea_areas import SEA_AREAS, load_sea_areas

REQUIRED_SLUGS = {
    "central-mediterranean", "western-mediterranean", "eastern-mediterranean",
    "atlantic-canaries", "english-channel", "western-balkans", "belarus-eu", "us-mexico",
    "darien", "caribbean", "horn-of-africa-yemen", "sahara", "afghanistan-iran",
    "iran-turkiye", "bay-of-bengal-andaman",
}  # fmt: skip

# Every route name seen in MMP exports (both layouts), including mojibake.
MMP_ROUTE_NAMES = [
    "Central America to US", "Central Mediterranean", "Eastern Mediterranean",
    "Western Mediterranean", "Calais to United Kingdom", "Western Balkans",
    "Horn Africa to Yemen", "Western African", "Darien Gap", "Italy to France",
    "Caribbean to Central America", "Dominican Republic to Puerto Rico", "Malaysia to Indonesia",
    "From Haiti to Dajabon, Dominican Republic", "Venezuela to CuraÃ§ao",
    "US-Mexico border crossing", "English Channel to the UK", "Horn of Africa to Yemen crossing",
    "Sahara Desert crossing", "Caribbean to US", "Syria to Türkiye", "Haiti to Dominican Republic",
    "Western Africa / Atlantic route to the Canary Islands", "Western Africa", "Darien",
    "Iran to Türkiye", "Afghanistan to Iran", "Türkiye-Europe land route", "Comoros to Mayotte",
    "Venezuela to Caribbean",
]  # fmt: skip


def _scalar(conn: Connection, query: str, **params: object) -> Any:
    return conn.execute(sa.text(query), params).scalar_one()


def test_layer_counts_are_plausible(conn: Connection) -> None:
    assert _scalar(conn, "SELECT count(*) FROM countries") == 250
    assert _scalar(conn, "SELECT count(*) FROM country_parts") > 5_000
    assert _scalar(conn, "SELECT count(*) FROM land_borders") >= 300
    assert _scalar(conn, "SELECT count(*) FROM land_border_parts") > 500
    assert 150 <= _scalar(conn, "SELECT count(*) FROM coastline") <= 250
    assert _scalar(conn, "SELECT count(*) FROM coastline_parts") > 5_000
    features = json.loads(SEA_ROUTES.read_text(encoding="utf-8"))["features"]
    assert _scalar(conn, "SELECT count(*) FROM sea_routes") == len(features)
    assert _scalar(conn, "SELECT count(*) FROM countries WHERE NOT ST_IsValid(geom)") == 0


def test_country_codes_are_adm0_a3(conn: Connection) -> None:
    names = {r[0]: r[1] for r in conn.execute(sa.text("SELECT iso3, name FROM countries"))}
    # ADM0_A3 is set where ISO_A3 is -99 in Natural Earth.
    assert names["FRA"] == "France"
    assert names["NOR"] == "Norway"
    assert "KOS" in names


def test_land_border_lengths(conn: Connection) -> None:
    rows = conn.execute(sa.text("SELECT pair, length_km FROM land_borders"))
    lengths = {r[0]: r[1] for r in rows}
    # 1:10m generalisation straightens the Rio Grande: the real 3,145 km measure ~2,640 km here.
    assert 2_500 < lengths["MEX-USA"] < 3_300
    assert 7_000 < lengths["CAN-USA"] < 9_500
    assert 150 < lengths["GRC-TUR"] < 250
    assert 300 < lengths["BLR-POL"] < 450
    assert all(pair.split("-")[0] < pair.split("-")[1] for pair in lengths)
    # Countries that only touch at a point (Kazungula) have no border line.
    assert "NAM-ZWE" not in lengths


def test_coastline_is_outline_minus_land_borders(conn: Connection) -> None:
    coasts = set(conn.execute(sa.text("SELECT iso3 FROM coastline")).scalars())
    assert {"CHE", "AUT", "BLR", "NER"}.isdisjoint(coasts)  # landlocked
    assert {"ITA", "LBY", "MEX", "GRC", "MLT"} <= coasts
    # No coastline piece lies along a land border.
    overlap = _scalar(
        conn,
        "SELECT coalesce(sum(ST_Length(ST_Intersection(c.geom, b.geom)::geography)), 0)"
        " FROM coastline c JOIN land_borders b ON c.geom && b.geom"
        " AND c.iso3 IN (b.iso3_a, b.iso3_b) WHERE c.iso3 IN ('MEX', 'USA')",
    )
    assert overlap < 1_000  # metres


def test_required_corridors_have_valid_polygons(conn: Connection) -> None:
    rows = conn.execute(
        sa.text(
            "SELECT slug, ST_IsValid(geom) AS valid, ST_IsEmpty(geom) AS empty, area_km2,"
            " ST_GeometryType(geom) AS type, catalogue_version FROM corridors"
        )
    ).mappings()
    by_slug = {r["slug"]: r for r in rows}
    assert REQUIRED_SLUGS <= set(by_slug)
    version = load_catalogue().version
    for slug, row in by_slug.items():
        assert row["valid"] and not row["empty"], slug
        assert row["type"] == "ST_MultiPolygon", slug
        assert row["area_km2"] > 1_000, slug
        assert row["catalogue_version"] == version
    parts = _scalar(
        conn, "SELECT count(DISTINCT corridor_id) FROM corridor_parts WHERE ST_IsValid(geom)"
    )
    assert parts == len(by_slug)


def test_us_mexico_corridor_reaches_inland(conn: Connection) -> None:
    """Brooks County TX (Falfurrias), Pima County AZ and transit through Mexico are inside."""
    for lon, lat in [(-98.14, 27.23), (-111.9, 32.3), (-99.1, 19.4), (-92.1, 14.9)]:
        inside = _scalar(
            conn,
            "SELECT ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
            " FROM corridors WHERE slug = 'us-mexico'",
            lon=lon,
            lat=lat,
        )
        assert inside, (lon, lat)


def test_every_seen_mmp_route_maps_to_one_corridor() -> None:
    catalogue = load_catalogue()
    routes = catalogue.route_map()
    missing = [r for r in MMP_ROUTE_NAMES if r not in routes and r not in catalogue.unmapped]
    assert missing == []
    assert routes["Central America to US"] == "us-mexico"
    assert routes["US-Mexico border crossing"] == "us-mexico"
    assert routes["Calais to United Kingdom"] == routes["English Channel to the UK"]
    assert routes["Western African"] == "atlantic-canaries"


def test_every_route_in_the_sample_is_mapped(conn: Connection) -> None:
    catalogue = load_catalogue()
    known = {r.lower() for r in catalogue.route_map()} | {r.lower() for r in catalogue.unmapped}
    seen = conn.execute(
        sa.text("SELECT DISTINCT btrim(route_text) FROM incidents WHERE route_text <> ''")
    ).scalars()
    unknown = [r for r in seen if r.lower() not in known and r not in ("0", "NULL")]
    assert unknown == []


_BASE = 'version = "t"\n[[corridor]]\nslug = "a-b"\nname = "A"\nkind = "land"\nregion = "R"\n'


@pytest.mark.parametrize(
    "text",
    [
        _BASE + 'colour = "red"\n[[corridor.transit]]\niso3 = "FRA"\n',
        _BASE,
        _BASE + '[[corridor.borders]]\npairs = ["FRANCE-ITA"]\nbuffer_km = 5\n',
        _BASE + "[[corridor.areas]]\nbbox = [10, 0, 5, 1]\n",
        _BASE + '[[corridor.borders]]\npairs = ["FRA-ITA"]\nbuffer_km = -1\n',
    ],
    ids=["unknown-key", "empty-recipe", "bad-pair", "bad-bbox", "bad-buffer"],
)
def test_catalogue_rejects_mistakes(tmp_path: Path, text: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError):
        load_catalogue(path)


def test_reload_is_idempotent_and_if_changed_skips(conn: Connection) -> None:
    counts_before = {
        t: _scalar(conn, f"SELECT count(*) FROM {t}")
        for t in ("countries", "land_borders", "coastline", "sea_routes", "corridors", "sea_areas")
    }
    slugs_before = _scalar(conn, "SELECT array_agg(slug ORDER BY id) FROM corridors")

    skipped = load_boundaries(conn, if_changed=True)
    assert skipped.changed is False
    assert skipped.counts["corridors"] == counts_before["corridors"]

    report = load_boundaries(conn, if_changed=False)
    assert report.changed is True
    assert report.seconds < 120
    for table, n in counts_before.items():
        assert report.counts[table] == n, table
    # Ids restart, so corridor ids are stable across reloads.
    assert _scalar(conn, "SELECT array_agg(slug ORDER BY id) FROM corridors") == slugs_before
    assert "corridors" in report.summary()
    lines = [line.split() for line in report.summary().splitlines()]
    assert ["sea_areas", str(counts_before["sea_areas"])] in lines
    assert report.to_dict()["checksum"] == report.checksum

    again = load_boundaries(conn, if_changed=True)
    assert again.changed is False
    assert again.checksum == report.checksum


# --- Sea areas (boundaries/sea_areas.toml, docs/sea_areas.md) ----------------------------------

REQUIRED_SEA_AREAS = {
    "alboran-sea", "strait-of-gibraltar", "balearic-sea", "tyrrhenian-sea", "strait-of-sicily",
    "ionian-sea", "adriatic-sea", "aegean-sea", "levantine-sea", "sea-of-marmara", "black-sea",
    "canary-atlantic", "english-channel", "strait-of-dover", "north-sea", "red-sea",
    "bab-el-mandeb", "gulf-of-aden", "arabian-sea", "gulf-of-oman", "persian-gulf",
    "bay-of-bengal", "andaman-sea", "strait-of-malacca", "caribbean-sea", "gulf-of-mexico",
    "florida-straits", "mona-passage", "windward-passage", "gulf-of-uraba", "gulf-of-california",
    "mozambique-channel", "north-atlantic-ocean", "south-atlantic-ocean", "indian-ocean",
    "north-pacific-ocean", "south-pacific-ocean", "arctic-ocean", "southern-ocean",
}  # fmt: skip
EARTH_KM2 = 510_065_622  # WGS84 ellipsoid surface

_LOOKUP = (  # as geo/sql/enrich_points.sql looks a point up
    "SELECT slug FROM sea_area_parts"
    " WHERE ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
    " ORDER BY area_km2, slug LIMIT 1"
)


def test_sea_areas_are_valid_and_cover_the_routes(conn: Connection) -> None:
    rows = conn.execute(
        sa.text(
            "SELECT slug, kind, area_km2, catalogue_version, ST_IsValid(geom) AS valid,"
            " ST_GeometryType(geom) AS type,"
            " (SELECT count(*) FROM sea_area_parts p WHERE p.sea_area_id = s.id) AS parts"
            " FROM sea_areas s"
        )
    ).mappings()
    by_slug = {r["slug"]: r for r in rows}
    assert REQUIRED_SEA_AREAS <= set(by_slug)
    catalogue = load_sea_areas()
    assert set(by_slug) == {a.slug for a in catalogue.areas}
    for slug, row in by_slug.items():
        assert row["valid"] and row["type"] == "ST_MultiPolygon", slug
        assert row["area_km2"] > 50 and row["parts"] >= 1, slug
        assert row["catalogue_version"] == catalogue.version
    copied = _scalar(
        conn,
        "SELECT count(*) FROM sea_area_parts p JOIN sea_areas s ON s.id = p.sea_area_id"
        " WHERE (p.slug, p.area_km2) IS DISTINCT FROM (s.slug, s.area_km2)",
    )
    assert copied == 0
    # Every sea ranks before every ocean under the smaller-wins rule.
    largest_sea = max(r["area_km2"] for r in by_slug.values() if r["kind"] != "ocean")
    assert largest_sea < min(r["area_km2"] for r in by_slug.values() if r["kind"] == "ocean")


def test_seas_are_clipped_by_land(conn: Connection) -> None:
    on_land = _scalar(
        conn,
        "SELECT coalesce(sum(ST_Area(ST_Intersection(s.geom, p.geom)::geography)), 0) / 1e6"
        " FROM sea_areas s JOIN country_parts p ON s.geom && p.geom"
        " AND ST_Intersects(s.geom, p.geom) WHERE s.slug IN ('adriatic-sea', 'red-sea')",
    )
    assert on_land < 1  # km2: shared edges only


def test_oceans_tile_the_globe(conn: Connection) -> None:
    """Every point on water gets a name: the oceans' areas sum to the Earth's, no overlaps."""
    total = _scalar(conn, "SELECT sum(area_km2) FROM sea_areas WHERE kind = 'ocean'")
    assert abs(total - EARTH_KM2) < 0.005 * EARTH_KM2
    overlap = _scalar(
        conn,
        "SELECT coalesce(sum(ST_Area(ST_Intersection(a.geom, b.geom))), 0) FROM sea_areas a"
        " JOIN sea_areas b ON a.id < b.id AND a.geom && b.geom"
        " WHERE a.kind = 'ocean' AND b.kind = 'ocean'",
    )
    assert overlap < 1e-6  # square degrees
    # A coarse grid of water points: every one is named.
    unnamed = _scalar(
        conn,
        "SELECT count(*) FROM generate_series(-179.5, 179.5, 3) x, generate_series(-89.5, 89.5, 3)"
        " y, LATERAL (SELECT ST_SetSRID(ST_MakePoint(x, y), 4326) AS g) pt"
        " WHERE NOT EXISTS (SELECT 1 FROM country_parts c WHERE ST_Intersects(c.geom, pt.g))"
        " AND NOT EXISTS (SELECT 1 FROM sea_area_parts s WHERE ST_Intersects(s.geom, pt.g))",
    )
    assert unnamed == 0


def test_overlap_rule_smaller_area_wins(conn: Connection) -> None:
    """Strait of Gibraltar ⊂ Alboran/Mediterranean/North Atlantic: the strait names the point."""
    containing = conn.execute(
        sa.text(
            "SELECT s.slug FROM sea_areas s"
            " WHERE ST_Intersects(s.geom, ST_SetSRID(ST_MakePoint(-5.4, 35.95), 4326))"
            " ORDER BY s.area_km2"
        )
    ).scalars()
    assert list(containing)[:1] == ["strait-of-gibraltar"]
    assert _scalar(conn, _LOOKUP, lon=-5.4, lat=35.95) == "strait-of-gibraltar"
    assert _scalar(conn, _LOOKUP, lon=-3.5, lat=36.0) == "alboran-sea"
    assert _scalar(conn, _LOOKUP, lon=5.0, lat=38.0) == "mediterranean-sea"
    assert _scalar(conn, _LOOKUP, lon=-40.0, lat=30.0) == "north-atlantic-ocean"


def test_bering_sea_is_wrapped_at_the_antimeridian(conn: Connection) -> None:
    for lon in (179.99, -179.99, 175.0, -172.0):
        assert _scalar(conn, _LOOKUP, lon=lon, lat=58.0) == "bering-sea", lon
    assert _scalar(conn, "SELECT ST_XMax(geom) FROM sea_areas WHERE slug = 'bering-sea'") <= 180


def test_sea_names_follow_the_gazetteer(conn: Connection) -> None:
    """Where geo/data/places.toml names a sea we catalogue, its point lies in that area."""
    import tomllib

    places = tomllib.loads(
        (Path(__file__).resolve().parents[1] / "geo" / "data" / "places.toml").read_text("utf-8")
    )["place"]
    names = {a.name: a.slug for a in load_sea_areas().areas}
    seas = [p for p in places if p.get("precision") == "sea_area" and p["name"] in names]
    assert len(seas) >= 25
    wrong = {
        p["name"]: _scalar(conn, _LOOKUP, lon=p["lon"], lat=p["lat"])
        for p in seas
        if _scalar(conn, _LOOKUP, lon=p["lon"], lat=p["lat"]) != names[p["name"]]
    }
    assert wrong == {}


_SEA_BASE = 'version = "t"\n'
_OCEAN = (
    '[[sea_area]]\nslug = "o"\nname = "O"\nkind = "ocean"\n'
    "polygon = [[-180, -90], [180, -90], [180, 90]]\n"
)


@pytest.mark.parametrize(
    "text",
    [
        _SEA_BASE,
        _SEA_BASE + _OCEAN + _OCEAN.replace('"o"', '"p"'),
        _SEA_BASE + _OCEAN.replace('kind = "ocean"', 'kind = "lake"'),
        _SEA_BASE + _OCEAN.replace("[180, 90]", "[180, 91]"),
        _SEA_BASE + _OCEAN.replace("[[-180, -90], ", "["),
        _SEA_BASE + _OCEAN + 'colour = "blue"\n',
        _SEA_BASE + _OCEAN.replace('kind = "ocean"', 'kind = "sea"\nfill = true'),
    ],
    ids=["no-ocean", "name-twice", "bad-kind", "bad-lat", "two-points", "unknown-key", "fill-sea"],
)
def test_sea_catalogue_rejects_mistakes(tmp_path: Path, text: str) -> None:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError):
        load_sea_areas(path)


def test_sea_catalogue_content_decides_if_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = input_checksum()
    copy = tmp_path / SEA_AREAS.name
    copy.write_text(SEA_AREAS.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    monkeypatch.setattr("boundaries.load.SEA_AREAS", copy)
    assert input_checksum() != before


@pytest.mark.parametrize("layer", ["countries", "corridors", "sea_areas"])
def test_polygon_layers_are_valid_on_the_served_grid_with_rfc7946_rings(
    conn: Connection, layer: str
) -> None:
    """Every polygon layer the API serves (issue #13, 8) stays valid after the 6-decimal
    rounding of ST_AsGeoJSON, with counter-clockwise outer rings and clockwise holes."""
    rows = conn.execute(
        sa.text(
            f"SELECT count(*) AS n,"
            f" count(*) FILTER (WHERE ST_IsValid(ST_GeomFromGeoJSON(ST_AsGeoJSON(geom, 6))))"
            f"   AS valid,"
            f" count(*) FILTER (WHERE ST_IsPolygonCCW(geom)) AS ccw"
            f" FROM {layer}"
        )
    ).one()
    assert rows.n > 0
    assert rows.valid == rows.n
    assert rows.ccw == rows.n


def test_iso_codes_fill_where_natural_earth_leaves_them_out(conn: Connection) -> None:
    """ISO_A3 is -99 for France and Norway in Natural Earth; their ISO code is still known, and
    no ISO code names two rows (or another unit's Natural Earth code)."""
    iso = dict(conn.execute(sa.text("SELECT iso3, iso_a3 FROM countries")).all())
    assert iso["FRA"] == "FRA" and iso["NOR"] == "NOR"
    assert iso["SAH"] == "ESH" and iso["PSX"] == "PSE" and iso["SDS"] == "SSD"
    assert iso["KOS"] is None and iso["CLP"] is None  # no ISO code of their own
    codes = [c for c in iso.values() if c is not None]
    assert len(codes) == len(set(codes))
    assert not {c for c in codes if c in iso and iso[c] != c}
