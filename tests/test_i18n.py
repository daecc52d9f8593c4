"""String catalogues of the embeds: complete in every language, plural forms by CLDR rules."""

from __future__ import annotations

from datetime import date

import pytest

from geo.errors import InvalidInput
from maps.i18n import LANGUAGES, catalogue, plural_category


def _keys(lang: str) -> set[str]:
    return {k for k in catalogue(lang).strings if not k.startswith("corridor.")}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_every_english_key(lang: str) -> None:
    assert _keys("en") - _keys(lang) == set()
    assert len(catalogue(lang).strings["months"]) == 12


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_corridor_is_translated(lang: str) -> None:
    import tomllib
    from pathlib import Path

    slugs = {
        c["slug"]
        for c in tomllib.loads(
            (Path(__file__).parent.parent / "boundaries" / "corridors.toml").read_text()
        )["corridor"]
    }
    assert {s for s in slugs if f"corridor.{s}" not in catalogue(lang).strings} == set()


@pytest.mark.parametrize(
    ("lang", "n", "category"),
    [
        ("en", 1, "one"), ("en", 0, "other"), ("en", 2, "other"),
        ("fr", 0, "one"), ("fr", 1, "one"), ("fr", 2, "other"),
        ("ar", 0, "zero"), ("ar", 1, "one"), ("ar", 2, "two"), ("ar", 3, "few"),
        ("ar", 110, "few"), ("ar", 102, "other"), ("ar", 111, "many"), ("ar", 1003, "few"),
        ("ar", 100, "other"),
    ],
)  # fmt: skip
def test_plural_categories_follow_cldr(lang: str, n: int, category: str) -> None:
    assert plural_category(lang, n) == category


def test_numbers_and_dates_as_each_language_writes_them() -> None:
    assert catalogue("en").number(13648) == "13,648"
    assert catalogue("fr").number(13648) == "13\u202f648"
    assert catalogue("es").number(13648) == "13.648"
    assert catalogue("ar").number(13648) == "١٣٬٦٤٨"
    assert catalogue("es").month_year(date(2014, 1, 5)) == "enero de 2014"
    assert catalogue("ar").month_year(date(2017, 12, 1)) == "ديسمبر ٢٠١٧"
    assert catalogue("en").day(date(2026, 12, 7)) == "7 December 2026"
    assert catalogue("ar").dir == "rtl" and catalogue("fr").dir == "ltr"


def test_summary_sentence_picks_the_plural_form() -> None:
    en = catalogue("en")
    one = en.t("embed.summary", count=1, people="1", events="1 incident", period="2014")
    assert one.startswith("1 person dead or missing")
    many = en.t("embed.summary", count=5, people="5", events="2 incidents", period="2014")
    assert many.startswith("5 people dead or missing")


def test_an_unknown_language_is_the_clients_to_fix() -> None:
    with pytest.raises(InvalidInput, match="lang must be one of en, fr, es, ar"):
        catalogue("de")
