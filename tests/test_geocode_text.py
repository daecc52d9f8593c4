"""Text clean-up of the geocoder: mojibake, boilerplate, folding and tokens."""

from __future__ import annotations

import pytest

from geo.geocode.text import fold, repair_mojibake, strip_boilerplate, tokenize


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("DariÃ©n", "Darién"),
        ("SÃ©guÃ©dine, Niger", "Séguédine, Niger"),
        ("AlmerÃ\xada, Spain", "Almería, Spain"),
        ("Ã‡anakkale", "Çanakkale"),
        ("AltÄ±nÃ¶zÃ¼ district", "Altınözü district"),
        ("Turkeyâ€™s coast", "Turkey’s coast"),
    ],
)
def test_repair_mojibake_restores_utf8_read_as_cp1252(raw: str, fixed: str) -> None:
    assert repair_mojibake(raw) == fixed


@pytest.mark.parametrize("clean", ["Darién", "Zuwara, Libya", "Ñandú", "Çeşme", "Ãx"])
def test_repair_mojibake_leaves_clean_text_alone(clean: str) -> None:
    assert repair_mojibake(clean) == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Pima County (see spreadsheet for coordinates)", "Pima County"),
        ("Pima County (see spreadsheet for exact location)", "Pima County"),
        (
            "Pima Country Office, Arizona, USA (see coordinates for exact location)",
            "Pima Country Office, Arizona, USA",
        ),
        ("Calexico, CA 92231. GPS: N32.66140 W115.55400", "Calexico, CA"),
        ("Body recovered near Lisa, Norway on 02.01.2015", "Body recovered near Lisa, Norway"),
        ("Bodrum district (02:06h), en route to Kos", "Bodrum district , en route to Kos"),
    ],
)
def test_strip_boilerplate_drops_reporting_notes(raw: str, clean: str) -> None:
    assert strip_boilerplate(raw) == clean


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Río Bravo del Norte", "rio bravo del norte"),
        ("RÍO BRAVO", "rio bravo"),
        ("Az-Zawiyah", "az zawiyah"),
        ("Bu'ale", "buale"),
        ("Şabrātah", "sabratah"),
        ("Kırklareli", "kirklareli"),
    ],
)
def test_fold_ignores_case_accents_and_punctuation(name: str, key: str) -> None:
    assert fold(name) == key


def test_tokenize_keeps_numbers_and_marks_clause_breaks() -> None:
    tokens = tokenize("3,5 miles east of Kharrouba, Mostaganem")
    assert [t.norm for t in tokens] == ["3.5", "miles", "east", "of", "kharrouba", "mostaganem"]
    assert tokens[4].clause != tokens[5].clause


def test_tokenize_splits_glued_units_and_drops_lost_characters() -> None:
    assert [t.norm for t in tokenize("140km south of Mu?la")] == [
        "140",
        "km",
        "south",
        "of",
        "mula",
    ]
