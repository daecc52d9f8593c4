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
  names a country) occurs anywhere in the text outside its route phrases, so the full reading
  names no country either and the record is judged by its region.

Route phrases (:func:`route_words`): "Greece to Italy", "from Tapachula to Arriaga", MMP route
names such as "Central America to US" or "Horn of Africa to Yemen". They name a journey, not the
place of the incident: neither reading counts the countries they name.

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
from geo.geocode.text import Token, fold, repair_mojibake, strip_boilerplate, tokenize

# Curated kinds through which a text names a country without naming it (as geo.quality.names reads).
ADMIN_KINDS = frozenset({"admin", "county", "island", "region", "archipelago"})
_PARTS = re.compile(r"[,;()/]")
# A number on its own ("Synthetic location 4711", "10 miles off") says nothing about the
# country: texts that differ only in such numbers are read once.
NUMBER = r"\m[0-9]+\M"  # PostgreSQL regex; keep in step with _NUMBER
_NUMBER = re.compile(r"\b[0-9]+\b")
# Capitalised words before "to" that make it a preposition, not a route: "Near to Aswan",
# "Brought to Taranto", "Next to Agathonisi" (and any participle: "Taken", "Heading").
_NOT_ORIGIN = frozenset(
    "near next close closer back due up down on off way according brought sent went came got"
    " bound return".split()
)
# Small words inside a route's ends: "Horn of Africa to Yemen", "English Channel to the UK".
_ROUTE_JOINERS = frozenset({"of", "the", "de", "del", "la", "el", "al", "and"})


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


def _name_word(tok: Token) -> bool:
    return tok.orig[:1].isupper() or tok.orig.isupper()


def route_words(tokens: list[Token]) -> set[int]:
    """Indices of the words of route phrases: "[from] A to [the] B" within one clause, where B
    starts with a capitalised word and A is the words after "from" (starting with a
    capitalised one), or else a run of capitalised words (not "Near", "Brought", ...) right
    before "to".

    >>> sorted(route_words(tokenize("Synthetic location 7 near Central America to US")))
    [4, 5, 6, 7]
    >>> route_words(tokenize("Near to Aswan, Egypt"))
    set()
    """
    words: set[int] = set()
    for i, tok in enumerate(tokens):
        if tok.norm != "to" or i == 0 or i + 1 >= len(tokens):
            continue
        clause = tok.clause
        # destination: optional "the"/"mainland", then capitalised words (and joiners)
        j = i + 1
        while (
            j < len(tokens)
            and tokens[j].clause == clause
            and tokens[j].norm
            in {
                "the",
                "mainland",
            }
        ):
            j += 1
        if j >= len(tokens) or tokens[j].clause != clause or not _name_word(tokens[j]):
            continue
        end = j
        while (
            end < len(tokens)
            and tokens[end].clause == clause
            and (_name_word(tokens[end]) or tokens[end].norm in _ROUTE_JOINERS)
        ):
            end += 1
        # origin: the words after "from" in this clause, or capitalised words before "to"
        start = None
        for k in range(i - 1, -1, -1):
            if tokens[k].clause != clause:
                break
            if tokens[k].norm == "from":
                first = k + 1
                while first < i and tokens[first].norm == "the":
                    first += 1
                # "from Tapachula to ...", not "100 meters from the road to ..."
                if first < i and _name_word(tokens[first]):
                    start = k + 1
                break
        if start is None:
            k = i - 1
            prev = tokens[k]
            if (
                not _name_word(prev)
                or prev.norm in _NOT_ORIGIN
                or prev.norm.endswith(("ed", "ing", "en"))
            ):
                continue
            while (
                k > 0
                and tokens[k - 1].clause == clause
                and (_name_word(tokens[k - 1]) or tokens[k - 1].norm in _ROUTE_JOINERS)
            ):
                k -= 1
            while tokens[k].norm in _ROUTE_JOINERS:
                k += 1
            start = k
        words.update(range(start, end))
    return words


def outside_routes(text: str) -> str:
    """The folded words of ``text`` outside its route phrases, with " , " where words were cut
    (so no name is matched across a route)."""
    tokens = tokenize(strip_boilerplate(text))
    route = route_words(tokens)
    out: list[str] = []
    for i, tok in enumerate(tokens):
        if i in route:
            if out and out[-1] != ",":
                out.append(",")
            continue
        if i and tok.clause != tokens[i - 1].clause and out and out[-1] != ",":
            out.append(",")
        out.append(tok.norm)
    return " ".join(out)


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
    names_none = anywhere.search(outside_routes(text)) is None
    if EN_ROUTE.search(fold(text)):
        return Literal(None, names_none)
    found: list[str] = []
    for part in _PARTS.split(text):
        code = exact.get(fold(part))
        if code and code not in found:
            found.append(code)
    return Literal(tuple(found), names_none)
