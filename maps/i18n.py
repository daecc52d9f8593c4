"""The strings of embeds in English, French, Spanish and Arabic: one JSON catalogue per language
(``maps/i18n/<lang>.json``), plural forms by the CLDR rules, numbers and dates as each language
writes them, and the text direction (Arabic is laid out right to left).

Every language has every key of English (``tests/test_i18n.py``); corridor names are translated
as ``corridor.<slug>`` and fall back to the catalogue's English name (a corridor added later
shows in English until it is translated).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from geo.errors import InvalidInput

LANGUAGES = ("en", "fr", "es", "ar")
DEFAULT_LANGUAGE = "en"


def plural_category(lang: str, n: int) -> str:
    """CLDR cardinal plural category of a whole number (unicode.org/cldr, plurals)."""
    if lang == "ar":
        tail = n % 100
        if n == 0:
            return "zero"
        if n == 1:
            return "one"
        if n == 2:
            return "two"
        if 3 <= tail <= 10:
            return "few"
        if 11 <= tail <= 99:
            return "many"
        return "other"
    if lang == "fr":
        return "one" if n in (0, 1) else "other"
    return "one" if n == 1 else "other"


@dataclass(frozen=True)
class Catalogue:
    lang: str
    strings: dict[str, Any]

    @property
    def dir(self) -> str:
        return str(self.strings["dir"])

    def number(self, n: float) -> str:
        """Grouped thousands in the language's own separators (and digits, for Arabic)."""
        text = f"{round(n):,}".replace(",", self.strings["group_separator"])
        digits = self.strings.get("digits")
        return text.translate(str.maketrans("0123456789", digits)) if digits else text

    def month_year(self, d: date) -> str:
        return self.t(
            "format.month_year",
            month=self.strings["months"][d.month - 1],
            year=self.number_plain(d.year),
        )

    def day(self, d: date) -> str:
        return self.t(
            "format.day",
            day=self.number_plain(d.day),
            month=self.strings["months"][d.month - 1],
            year=self.number_plain(d.year),
        )

    def number_plain(self, n: int) -> str:
        """A year or a day: never grouped (2014, not 2,014)."""
        digits = self.strings.get("digits")
        text = str(n)
        return text.translate(str.maketrans("0123456789", digits)) if digits else text

    def t(self, key: str, **values: Any) -> str:
        """The string ``key`` with ``values`` put in; ``count`` picks the plural form."""
        entry = self.strings.get(key)
        if entry is None:
            entry = english().strings[key]  # KeyError: a key no catalogue has is a bug
        if isinstance(entry, dict):
            count = int(values.get("count", 0))
            entry = entry.get(plural_category(self.lang, count)) or entry["other"]
        return str(entry).format(**values)

    def corridor(self, slug: str, english_name: str) -> str:
        return str(self.strings.get(f"corridor.{slug}", english_name))


@cache
def catalogue(lang: str = DEFAULT_LANGUAGE) -> Catalogue:
    """The catalogue of ``lang``; any other value is the client's to fix (400)."""
    if lang not in LANGUAGES:
        raise InvalidInput(
            f"lang must be one of {', '.join(LANGUAGES)}; got {lang[:20]!r}", parameter="lang"
        )
    text = resources.files("maps").joinpath("i18n", f"{lang}.json").read_text(encoding="utf-8")
    return Catalogue(lang, json.loads(text))


def english() -> Catalogue:
    return catalogue(DEFAULT_LANGUAGE)
