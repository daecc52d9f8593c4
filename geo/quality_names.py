"""What a location text names, read without the gazetteer: the placement checks' fast path.

:func:`geo.quality.named_place` reads a text with the offline gazetteer (loading it costs about a
second; reading a text about a millisecond). Most texts do not need it: "Bani Walid, Libya"
with a point in Libya agrees whatever else the text says. Two cheap readings decide most
records in SQL (``geo/sql/quality_undecided.sql``); only the texts of the other records are read
with the gazetteer, and the gazetteer is loaded only when there are any.

- :attr:`Literal.countries`: countries named by a whole comma-separated part of the text
  ("…, Libya"). Every such name is one the gazetteer counts too (a whole part cannot be the
  start or end of a longer name such as "Port Sudan" or "Mexico City"), so a land point inside
  one of them agrees exactly as it would after the full reading. Admin areas are left to the
  full reading: "Florida" or "Arizona" count only when no GeoNames town has the name. ``None``
  when the text has a destination marker ("en route to Greece"), which the full reading
  handles.
- :attr:`Literal.names_none`: no country name and no curated admin area (the only ways a text
  names a country) occurs anywhere in the text, so the full reading names no country either and
  the record is judged by its region.

``tests/test_quality.py`` checks both against the full reading on the bundled sample.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from geo.geocode.phrases import EN_ROUTE
from geo.geocode.text import fold, repair_mojibake

# Curated kinds through which a text names a country without naming it (as geo.quality reads).
ADMIN_KINDS = frozenset({"admin", "county", "island", "region", "archipelago"})
_PARTS = re.compile(r"[,;()/]")
# A number on its own ("Synthetic location 4711", "10 miles off") says nothing about the
# country: texts that differ only in such numbers are read once.
NUMBER = r"\m[0-9]+\M"  # PostgreSQL regex; keep in step with _NUMBER
_NUMBER = re.compile(r"\b[0-9]+\b")


@dataclass(frozen=True)
class Literal:
    """The cheap reading of one text (see the module docstring)."""

    countries: tuple[str, ...] | None
    names_none: bool


def text_key(text: str) -> str:
    """The key texts are read under: every stand-alone number replaced by 0 (as SQL's NUMBER)."""
    return _NUMBER.sub("0", text)


@cache
def _names() -> tuple[dict[str, str], re.Pattern[str]]:
    """Folded country names (unambiguous ones) → ADM0_A3, and a pattern of every folded
    country and curated admin-area name (the superset test of ``names_none``)."""
    data = resources.files("geo") / "data"
    countries: dict[str, set[str]] = {}
    for row in csv.DictReader(io.StringIO((data / "countries.csv").read_text("utf-8"))):
        for name in row["names"].split("|"):
            if key := fold(name):
                countries.setdefault(key, set()).add(row["adm0_a3"])
    every = set(countries)
    curated = tomllib.loads((data / "places.toml").read_text("utf-8"))["place"]
    for place in curated:
        for name in (place["name"], *place.get("alt", [])):
            key = fold(name)
            countries.pop(key, None)  # "Georgia": a curated place of the same name
            if place["kind"] in ADMIN_KINDS and key:
                every.add(key)
    exact = {k: next(iter(v)) for k, v in countries.items() if len(v) == 1}
    words = "|".join(re.escape(k) for k in sorted(every, key=len, reverse=True))
    return exact, re.compile(rf"(?<![a-z0-9])(?:{words})(?![a-z0-9])")


def literal(text: str) -> Literal:
    """Read one text (a :func:`text_key`) cheaply.

    Examples
    --------
    >>> literal("Bani Walid, Libya")
    Literal(countries=('LBY',), names_none=False)
    >>> literal("Sabratha").names_none
    True
    >>> literal("Izmir, Turkey, en route to Greece").countries is None
    True
    """
    exact, anywhere = _names()
    text = repair_mojibake(text)
    names_none = anywhere.search(fold(text)) is None
    if EN_ROUTE.search(fold(text)):
        return Literal(None, names_none)
    found: list[str] = []
    for part in _PARTS.split(text):
        code = exact.get(fold(part))
        if code and code not in found:
            found.append(code)
    return Literal(tuple(found), names_none)
