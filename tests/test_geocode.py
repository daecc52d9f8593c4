"""Offline geocoder: phrase behaviour, hints, ambiguity, output, data and accuracy.

Pure Python: no database. The accuracy test runs the labelled MMP strings of
``tests/fixtures/geocode_labelled.csv`` (hand-written expectations, the records' own
coordinates as reference) through the geocoder; the hit rule is in ``geo.geocode.evaluate``.
"""

from __future__ import annotations

import json
import math
import pickle
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from geo.geocode import GeocodeResult, geocode
from geo.geocode import gazetteer as gazetteer_module
from geo.geocode.evaluate import load_rows, run, summarise
from geo.geocode.gazetteer import (
    Gazetteer,
    _curated,
    fuzzy_block,
    gazetteer,
    is_minor,
    load_or_build,
)
from geo.geocode.geodesy import distance_m
from geo.geocode.model import PRECISION_RANK, Place
from geo.geocode.packed import KeyBlocks, PlaceIndex, pack_index, unpack_index
from geo.geocode.phrases import find_mentions
from geo.geocode.text import fold, tokenize

FIXTURE = Path(__file__).parent / "fixtures" / "geocode_labelled.csv"
HOLDOUT = Path(__file__).parent / "fixtures" / "geocode_holdout.csv"
ZUWARA = (32.93, 12.08)
SABRATHA = (32.79, 12.49)


def km(result: GeocodeResult, lat: float, lon: float) -> float:
    assert result.lat is not None and result.lon is not None
    return distance_m(result.lat, result.lon, lat, lon) / 1000


def test_plain_town_with_country() -> None:
    r = geocode("Agadez, Niger")
    assert (r.status, r.country, r.precision) == ("matched", "NER", "locality")
    assert km(r, 16.97, 7.99) < 5
    assert r.uncertainty_m is not None and r.uncertainty_m <= 15_000
    assert r.score == pytest.approx(1.0)


def test_off_the_coast_of_town_is_at_sea_with_a_wider_circle() -> None:
    town = geocode("Zuwara, Libya")
    off = geocode("Off the coast of Zuwara, Libya")
    assert off.status == "matched" and off.country == "at_sea"
    assert off.precision == "locality"
    assert off.uncertainty_m is not None and town.uncertainty_m is not None
    assert off.uncertainty_m > town.uncertainty_m + 20_000


def test_off_the_coast_of_country_uses_its_coastal_sea_strip() -> None:
    r = geocode("Unspecified location off the coast of Libya")
    assert (r.status, r.precision, r.country) == ("matched", "sea_area", "at_sea")
    assert r.lat is not None and r.lat > 32  # north of the Libyan coast, not the desert


def test_distance_and_bearing_move_the_point_geodesically() -> None:
    r = geocode("20 miles north of Zuwara, Libya")
    assert r.status == "matched"
    assert r.lat is not None and r.lon is not None
    assert km(r, *ZUWARA) == pytest.approx(20 * 1.609344, abs=0.5)
    assert r.lat > ZUWARA[0] and r.lon == pytest.approx(ZUWARA[1], abs=1e-6)
    assert r.uncertainty_m is not None and r.uncertainty_m > 20 * 1609 * 0.4


@pytest.mark.parametrize(
    ("text", "bearing_east", "dist_km"),
    [
        ("11km northwest of Garabulli, Libya", False, 11),
        ("35 nautical miles north of Zuwara, Libya", None, 35 * 1.852),
        ("3,5 miles east of Zuwara, Libya", True, 3.5 * 1.609344),
    ],
)
def test_units_and_compass_points(text: str, bearing_east: bool | None, dist_km: float) -> None:
    r = geocode(text)
    anchor = geocode(text.split(" of ", 1)[1])
    assert r.status == anchor.status == "matched"
    assert r.lon is not None and anchor.lon is not None and anchor.lat is not None
    assert km(r, anchor.lat, anchor.lon) == pytest.approx(dist_km, rel=0.02)
    if bearing_east is not None:
        assert (r.lon > anchor.lon) is bearing_east


def test_distance_without_direction_keeps_the_point_and_widens_the_circle() -> None:
    anchor = geocode("Tripoli, Libya")
    r = geocode("30 miles off the coast of Tripoli, Libya")
    assert (r.lat, r.lon) == (anchor.lat, anchor.lon)
    assert r.uncertainty_m is not None and anchor.uncertainty_m is not None
    assert r.uncertainty_m >= anchor.uncertainty_m + 30 * 1609
    assert r.country == "at_sea"


def test_between_two_places_is_their_midpoint_with_a_covering_radius() -> None:
    r = geocode("Between Zuwara and Sabratha, Libya")
    assert r.status == "matched" and r.country == "LBY"
    assert r.uncertainty_m is not None
    half = distance_m(*ZUWARA, *SABRATHA) / 2
    assert km(r, *ZUWARA) == pytest.approx(half / 1000, rel=0.05)
    assert km(r, *SABRATHA) == pytest.approx(half / 1000, rel=0.05)
    assert r.uncertainty_m >= half
    assert len(r.candidates) == 2


def test_two_names_joined_by_or_cover_both() -> None:
    r = geocode("Bodies recovered near Zarzis or Ben Gardane, Tunisia")
    assert r.status == "matched" and r.country == "TUN"
    assert r.matched_name is not None and r.matched_name.startswith("between")
    assert r.uncertainty_m is not None
    for c in r.candidates:
        assert km(r, c.lat, c.lon) * 1000 <= r.uncertainty_m


def test_between_far_places_is_regional() -> None:
    r = geocode("Sahara Desert, between Agadez, Niger and Sabha, Libya")
    assert r.status == "matched" and r.precision == "admin"
    assert r.uncertainty_m is not None and r.uncertainty_m > 500_000


def test_border_of_two_countries_lies_on_their_shared_border() -> None:
    r = geocode("Border between Russia and Estonia")
    assert r.status == "matched" and r.matched_source == "naturalearth"
    assert r.lat is not None and 57 < r.lat < 60 and r.lon is not None and 26 < r.lon < 29
    assert (
        geocode("Syrian/Turkish border").matched_name == geocode("Syria-Turkey border").matched_name
    )


def test_ambiguous_name_without_hint_is_flagged_not_guessed() -> None:
    r = geocode("Tripoli")
    assert r.status == "ambiguous"
    assert r.lat is None and r.lon is None and r.precision is None
    assert {c.country for c in r.candidates} >= {"LBY", "LBN"}
    assert "several" in r.reason


@pytest.mark.parametrize(("country", "lon_range"), [("LBN", (35, 37)), ("LBY", (12, 14))])
def test_country_hint_disambiguates(country: str, lon_range: tuple[float, float]) -> None:
    r = geocode("Tripoli", country=country)
    assert r.status == "matched" and r.country == country
    assert r.lon is not None and lon_range[0] < r.lon < lon_range[1]


def test_a_country_hint_that_fits_no_name_is_ignored_and_said() -> None:
    r = geocode("Agadez", country="LBY")
    assert r.status == "matched" and r.country == "NER"
    assert "ignored" in r.reason and r.score < 1.0
    assert geocode("Tripoli", country="at_sea").status == "ambiguous"  # not a country code


def test_country_written_in_the_text_disambiguates() -> None:
    assert geocode("Tripoli, Lebanon").country == "LBN"
    assert geocode("Bodies washed up in Tripoli, Libya").country == "LBY"


def test_region_hint_breaks_ties() -> None:
    assert geocode("Mission", region="US-Mexico Border").status == "matched"
    r = geocode("Mission", region="US-Mexico Border")
    assert r.country == "USA" and r.lat is not None and r.lat < 30


def test_other_names_of_the_text_pick_the_right_namesake() -> None:
    r = geocode("1298 W Military Road, Mission, Hidalgo County, Texas, USA")
    assert r.matched_name == "Mission" and r.country == "USA"
    assert km(r, 26.2, -98.3) < 15


def test_mojibake_is_repaired_before_matching() -> None:
    r = geocode("DariÃ©n Gap")
    assert r.status == "matched" and r.matched_name == "Darien Gap"
    assert geocode("SÃ©guÃ©dine, Niger").matched_name == "Seguedine"


def test_matching_ignores_accents_and_case() -> None:
    a = geocode("RÍO BRAVO, NUEVO LAREDO, TAMAULIPAS, MÉXICO")
    b = geocode("rio bravo, nuevo laredo, tamaulipas, mexico")
    assert a.status == b.status == "matched"
    assert (a.lat, a.lon, a.matched_name) == (b.lat, b.lon, b.matched_name)


def test_misspelling_is_matched_fuzzily_with_a_lower_score() -> None:
    r = geocode("Kurfrah, Libya")
    assert r.status == "matched" and r.matched_name == "Kufra"
    assert 0.5 < r.score < 1.0


@pytest.mark.parametrize("text", ["Unknown", "NULL", "", "   ", "Various locations"])
def test_text_without_a_place_is_not_found(text: str) -> None:
    r = geocode(text)
    assert r.status == "not_found" and r.lat is None and r.reason


def test_a_destination_alone_is_not_taken_for_the_location() -> None:
    r = geocode("In the sea, on the way to Tanzania")
    assert r.status == "not_found"
    assert "destination" in r.reason
    assert geocode("Bodrum, Turkey, en route to Kos").country == "TUR"


def test_unspecified_location_in_a_country_has_country_precision() -> None:
    r = geocode("Unspecified location, Libya")
    assert (r.status, r.precision, r.country) == ("matched", "country", "LBY")
    assert r.uncertainty_m is not None and r.uncertainty_m > 500_000


def test_a_desert_larger_than_the_named_country_narrows_to_the_country() -> None:
    r = geocode("Unspecified location in the Sahara desert, Libya")
    assert (r.precision, r.country, r.matched_name) == ("country", "LBY", "Libya")


def test_reporting_boilerplate_is_ignored() -> None:
    a = geocode("Pima County (see spreadsheet for coordinates)")
    assert a.matched_name == "Pima County" and a.precision == "admin"
    assert geocode("Pima County Jurisdiction").matched_name == "Pima County"


def test_to_dict_is_json_ready_with_the_contract_keys() -> None:
    d = geocode("5 miles south of Tarifa, CÃ¡diz, Spain").to_dict()
    for key in ("lat", "lon", "precision", "uncertainty_m", "score", "candidates", "status"):
        assert key in d
    assert {"name", "lat", "lon", "country", "kind", "score", "source"} <= set(d["candidates"][0])
    assert json.loads(json.dumps(d)) == d


def test_summary_shows_the_decision_and_candidates() -> None:
    text = geocode("Off the coast of Sabratha, Libya").summary()
    assert "Sabratha" in text and "locality" in text and "km" in text and "candidates:" in text
    assert "ambiguous" in geocode("Tripoli").summary()


def test_curated_places_are_well_formed() -> None:
    data = tomllib.loads(resources.files("geo").joinpath("data", "places.toml").read_text())
    codes = set(gazetteer().countries)
    names = [fold(p["name"]) for p in data["place"]]
    assert len(names) == len(set(names)), "duplicate curated names"
    for p in data["place"]:
        assert p["precision"] in PRECISION_RANK, p["name"]
        assert -90 <= p["lat"] <= 90 and -180 <= p["lon"] <= 180, p["name"]
        assert p["uncertainty_m"] > 0 and p["source"], p["name"]
        assert p.get("country") is None or p["country"] in codes, p["name"]
        assert (p.get("country") is None) or p["precision"] != "sea_area", p["name"]


def test_curated_towns_agree_with_geonames() -> None:
    """Towns curated from public references sit where GeoNames puts the same town."""
    gaz = gazetteer()
    checked = 0
    for place, names in _curated():
        if place.kind not in ("city", "town"):
            continue
        twins = [
            p
            for n in names
            for p in gaz.index.get(fold(n), ())
            if p.source == "geonames" and p.country == place.country
        ]
        if twins:
            nearest = min(distance_m(place.lat, place.lon, t.lat, t.lon) for t in twins)
            assert nearest < 5_000, place.name
            checked += 1
    assert checked >= 15


def test_index_cache_is_reused_and_survives_corruption(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiny = Gazetteer(index={"x": ()}, countries={}, borders={}, coasts={}, fuzzy_keys={})
    builds: list[int] = []

    def fake_build() -> Gazetteer:
        builds.append(1)
        return tiny

    monkeypatch.setattr(gazetteer_module, "_build", fake_build)
    assert load_or_build(tmp_path) == tiny and len(builds) == 1
    assert load_or_build(tmp_path) == tiny and len(builds) == 1  # served from the cache
    (cached,) = tmp_path.glob("geocode-index-*.pickle")
    cached.write_bytes(b"not a pickle")
    assert load_or_build(tmp_path) == tiny and len(builds) == 2  # rebuilt, not crashed
    assert load_or_build(None) == tiny and len(builds) == 3  # cache turned off


@pytest.mark.slow
def test_index_cache_round_trips_to_the_built_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The packed cache (columns, lazy places) answers every key exactly as a fresh build."""
    built = gazetteer_module._build()
    monkeypatch.setattr(gazetteer_module, "_build", lambda: built)  # build once, not twice
    load_or_build(tmp_path)  # packs the build and writes the cache
    cached = load_or_build(tmp_path)  # read back from the file
    assert isinstance(cached.index, PlaceIndex) and isinstance(cached.fuzzy_keys, KeyBlocks)
    assert len(cached.index) == len(built.index) > 300_000
    for key, places in built.index.items():
        assert cached.index.get(key) == places, key
    assert set(cached.index) == set(built.index)
    assert dict(cached.fuzzy_keys.items()) == built.fuzzy_keys  # same order within each block
    assert (cached.countries, cached.borders, cached.coasts) == (
        built.countries,
        built.borders,
        built.coasts,
    )
    assert cached.index.get("no such place anywhere") is None
    assert "" not in cached.index and cached.fuzzy_keys.get("zz99", ()) == ()
    with pytest.raises(KeyError):
        cached.index["no such place anywhere"]


def test_packed_index_keeps_shared_places_and_missing_populations() -> None:
    """Synthetic places: one place under two names, a None population, a coast strip."""
    town = Place("Town", 1.5, 2.25, "city", "locality", 4000.0, "AAA", "geonames", 0)
    sea = Place("Sea off A", 3.0, -4.0, "sea", "sea_area", 9e4, None, "curated", None, "AAA")
    index = {"town": (town,), "old town": (town, sea), "sea off a": (sea,)}
    blocks = {"t4": ("town",), "s9": ("sea off a",)}
    restored, restored_blocks = unpack_index(pickle.loads(pickle.dumps(pack_index(index, blocks))))
    assert dict(restored.items()) == index and dict(restored_blocks.items()) == blocks
    assert restored["old town"][0] is restored["town"][0]  # made once, shared like the original
    assert restored["sea off a"][0].population is None and restored["town"][0].population == 0


def test_country_table_radius_covers_the_country() -> None:
    countries = gazetteer().countries
    assert len(countries) >= 240
    libya = countries["LBY"]
    assert 800_000 < libya.uncertainty_m < 1_300_000
    for code in ("FRA", "NOR"):  # ISO_A3 is -99 for these; ADM0_A3 is always set
        assert code in countries


@pytest.fixture(scope="module")
def outcomes() -> list:
    rows = load_rows(FIXTURE)
    assert len(rows) >= 300
    return run(rows)


def test_labelled_fixture_covers_the_variety(outcomes: list) -> None:
    texts = [o.row.text.lower() for o in outcomes]
    for cue in ("off the coast", "miles", "km", "between", "desert", "unspecified", "county"):
        assert sum(cue in t for t in texts) >= 5, cue
    assert {o.row.expected_precision for o in outcomes if o.row.has_answer} >= {
        "locality",
        "admin",
        "country",
        "sea_area",
    }


# Achieved on the fixture: 90.4 % within uncertainty, 86.6 % precision match (365 scored
# rows). The floors sit at or a little below so that a regression fails; see
# docs/geocoding.md for why the remaining misses are mostly the reference coordinates.
MIN_WITHIN_UNCERTAINTY = 0.90
MIN_PRECISION_MATCH = 0.85
# Strings never used to tune the geocoder (tests/fixtures/geocode_holdout.csv): 72.9 % when
# the rules of this version were written, 74.6 % (44 of 59) with the GeoNames country-code
# fix and the small towns. The gap to the main fixture is the overfitting.
MIN_HOLDOUT_WITHIN_UNCERTAINTY = 0.74
# Median stated radius (km) per returned precision on the main fixture when the floor was
# set (locality 16.7, admin 166, sea_area 350; 16.1 / 162 / 350 with the small towns): radii
# must not grow to buy hits.
MAX_MEDIAN_UNCERTAINTY_KM = {"locality": 18.0, "admin": 180.0, "sea_area": 360.0}


def test_accuracy_on_labelled_mmp_strings(outcomes: list) -> None:
    summary = summarise(outcomes)
    assert summary["scored_rows"] >= 300
    assert summary["within_uncertainty"] >= MIN_WITHIN_UNCERTAINTY, summary
    assert summary["precision_match"] >= MIN_PRECISION_MATCH, summary
    assert summary["no_answer_rows_not_matched"] == 1.0
    for precision, ceiling in MAX_MEDIAN_UNCERTAINTY_KM.items():
        assert summary["median_uncertainty_km"][precision] <= ceiling, summary


def test_accuracy_on_held_out_mmp_strings() -> None:
    rows = load_rows(HOLDOUT)
    assert len(rows) >= 60
    summary = summarise(run(rows))
    assert summary["scored_rows"] >= 50
    assert summary["within_uncertainty"] >= MIN_HOLDOUT_WITHIN_UNCERTAINTY, summary
    assert summary["no_answer_rows_not_matched"] == 1.0


def test_errors_are_small_where_the_text_names_a_town(outcomes: list) -> None:
    part = summarise(outcomes)["by_precision"]["locality"]
    assert part["median_error_km"] < 15
    assert not math.isnan(part["within_uncertainty"])


def test_secondary_compass_points_move_the_point() -> None:
    anchor = geocode("Zuwara, Libya")
    r = geocode("20 km SSE of Zuwara, Libya")
    words = geocode("20 km south-southeast of Zuwara, Libya")
    assert anchor.lat is not None and anchor.lon is not None
    assert r.lat is not None and r.lon is not None
    assert km(r, anchor.lat, anchor.lon) == pytest.approx(20, rel=0.02)
    assert r.lat < anchor.lat and r.lon > anchor.lon  # 157.5 deg: mostly south, a bit east
    assert (words.lat, words.lon) == (r.lat, r.lon)
    assert geocode("30 nm NNW of Zuwara, Libya").country == "at_sea"  # nautical miles: at sea


def test_a_route_from_one_place_to_another_covers_both() -> None:
    r = geocode("Trying to reach Mayotte from Comoros")
    assert r.status == "matched" and r.uncertainty_m is not None
    assert r.matched_name is not None and r.matched_name.startswith("between")
    for c in r.candidates:
        assert km(r, c.lat, c.lon) * 1000 <= r.uncertainty_m


def test_street_names_are_not_places() -> None:
    text = (
        "Train tracks between Blvrd. Lázaro Cárdenas and Adolfo López Mateos, Mexicali, "
        "Baja California, Mexico"
    )
    r = geocode(text)
    assert r.status == "matched" and r.matched_name == "Mexicali"


def test_a_country_in_a_building_name_is_not_a_hint() -> None:
    tokens = tokenize("Hospital Mexico, San José, Costa Rica")
    keys = {m.key for m in find_mentions(tokens, gazetteer())}
    assert "costa rica" in keys and "mexico" not in keys


def test_generic_arabic_prefix_defers_to_the_named_place() -> None:
    r = geocode("12 km (7.5 m) off the coast of Burg Rashid, Egypt")
    assert r.status == "matched" and r.country == "at_sea"
    assert r.candidates[0].name == "Rosetta"


def test_a_town_of_no_known_country_does_not_fit_a_country_hint() -> None:
    # "Playa" is an alternate name of Kralendijk (Bonaire, no ADM0 code in our table).
    r = geocode("La Playa, Unguía, Chocó, Colombia")
    assert r.status == "matched" and r.country == "COL"


def test_a_name_glued_to_an_unknown_word_gives_way() -> None:
    r = geocode("Jamia Nagar district, Delhi, India")
    assert r.status == "matched" and r.matched_name == "Delhi"


def test_geonames_towns_belong_to_the_main_country_of_their_iso_code() -> None:
    """FR and AU are also Clipperton I. and Ashmore and Cartier Is. in Natural Earth."""
    assert geocode("Marseille").country == "FRA"
    assert geocode("Melbourne, Australia").country == "AUS"


def test_a_small_town_answers_when_the_text_names_its_country() -> None:
    r = geocode("Abu Simbel, Egypt")  # ~5 000 people: not in GeoNames' towns >= 5 000
    assert r.status == "matched" and r.precision == "locality" and r.country == "EGY"
    assert km(r, 22.34, 31.62) < 5 and r.uncertainty_m is not None and r.uncertainty_m < 10_000


def test_a_small_town_never_displaces_a_larger_namesake() -> None:
    # Burgas (Bulgaria, 210 k, alternate "Burgaz") and Burgaz (Turkey, 1.7 k people)
    assert geocode("Burgaz").country == "BGR"
    assert geocode("Burgaz, Turkey").country == "TUR"
    assert geocode("Osasco").country == "BRA"
    assert geocode("Osasco, Italy").country == "ITA"


def test_a_small_town_outside_the_hinted_country_is_not_used() -> None:
    r = geocode("Osasco", country="ESP")  # neither Osasco fits: the text wins, and the
    assert r.country == "BRA" and "ignored" in r.reason  # Italian village is not taken


def test_far_apart_villages_of_one_name_are_flagged_not_guessed() -> None:
    r = geocode("Poros, Greece")  # two Greek villages ~230 km apart, 1.1 k and 3.7 k people
    assert r.status == "ambiguous" and r.lat is None
    assert {c.country for c in r.candidates} == {"GRC"}


def test_small_towns_match_only_capitalised_and_never_fuzzily() -> None:
    gaz = gazetteer()
    assert all(is_minor(p) for p in gaz.index["gefyra"])
    assert find_mentions(tokenize("Gefyra"), gaz)
    assert not find_mentions(tokenize("gefyra"), gaz)
    assert "gefyra" not in gaz.fuzzy_keys.get(fuzzy_block("gefyra"), ())
