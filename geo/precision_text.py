"""What area a location text says a record lies in, read once per distinct text.

MMP gives coordinates for every record, even where its text says the place is not known
("Unspecified location between Libya and Italy", "Mixed", "Mexico (likely)"). The precision pass
(:mod:`geo.precision`) widens such records to the area the text names; this module only reads
the text. It reuses the placement checks' reading (:func:`geo.quality.named_place`: the
countries a text names as the place, routes and destinations left out) and the offline
gazetteer's tokeniser, mentions and phrases (:mod:`geo.geocode`).

Areas, most specific first (docs/import.md, "Precision from the text"):

- ``place``: a town, county, island, river, landmark… is named, or a local stretch between two
  such places ("Between Zuwara and Sabratha, Libya"): the coordinates' precision stands.
- ``border``: a border with no place on it ("Unspecified location on the Syrian/Turkish border").
- ``admin``: a state or region with no place in it ("Arizona", "Various locations in Texas,
  USA"); a province named by its kind ("Fars province, Iran") counts as a place, like a county.
- ``sea``: a sea or a country's waters with no place ("Off the coast of the Bahamas",
  "Unspecified location in the Channel of Sicily").
- ``crossing``: "between X and Y" where X and Y are countries, regions or places far apart
  ("Between Libya and Italy", "Sahara Desert, between Agadez, Niger and Tripoli, Libya").
- ``country``: only countries (and deserts) named ("Unspecified location, Libya", "Sudan").
- ``vague``: no area at all ("Mixed", "Multiple locations", "Not mentioned", "Unknown").

``tests/fixtures/precision_labelled.csv`` holds 200 hand-labelled texts of the sample (half used
to tune these rules, half held out); ``tests/test_precision_text.py`` measures the reader on both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from geo.geocode.gazetteer import STOPWORDS, gazetteer
from geo.geocode.geodesy import distance_m
from geo.geocode.model import Place
from geo.geocode.phrases import Mention, find_mentions, find_phrases
from geo.geocode.text import Token, fold, repair_mojibake, strip_boilerplate, tokenize
from geo.quality import named_place

Area = Literal["place", "border", "admin", "sea", "crossing", "country", "vague"]
AREAS: tuple[Area, ...] = ("place", "border", "admin", "sea", "crossing", "country", "vague")

# Kinds that pin a text to a place the coordinates' precision can stand for.
SPECIFIC_KINDS = frozenset(
    {
        "city",
        "town",
        "island",
        "border_crossing",
        "river",
        "canal",
        "cape",
        "landmark",
        "forest",
        "archipelago",
    }
)
_SEA_KINDS = frozenset({"sea", "strait"})
# A county named alone is an area too: Pima County is 24,000 km², one body per row at its
# placeholder point; with a town in it ("Falfurrias, Brooks County") the town is the place.
_ADMIN_KINDS = frozenset({"admin", "region", "county"})
_LOCAL_KINDS = SPECIFIC_KINDS | {"county"}
# The source says its coordinates are the place ("Pima County Office of the Medical Examiner
# jurisdiction, Arizona, USA (see coordinates for exact location)"): they stand.
_SEE_COORDINATES = re.compile(r"\bsee (?:the )?coordinates\b|\bexact location\b")
# Words that say the place is not known: the text then means an area, not its point.
VAGUE = re.compile(
    r"\b(?:mixed|multiple|various|several|numerous|likely|probably|possibly|not mentioned"
    r"|not specified|tbc|tbd|to be confirmed|unknown|unspecifi?ed|undisclosed|n a|none)\b"
)
# An admin area or a street named by its kind: a place, however the gazetteer reads its name.
_STREET_OR_ADMIN = re.compile(
    r"\b(?:province|governorate|governate|wilaya|district|municipality|municipalities|calle"
    r"|colonia|avenida|street)\b"
)
# Ends of "between X and Y" closer than this are a local stretch (a road, a river reach).
LOCAL_BETWEEN_M = 100_000.0
# Capitalised words that name no place ("Unspecified location, Libya"): not a small town.
_GENERIC = frozenset(
    "unspecified unspecifed location locations mixed multiple various unknown likely not"
    " mentioned sahara sahra international waters tbc".split()
)


@dataclass(frozen=True)
class TextArea:
    """The area a text names.

    ``countries``: ADM0_A3 codes it names as the place (as :func:`geo.quality.named_place`);
    ``radius_m``: the gazetteer's radius of the named sea or admin area (``sea``/``admin``),
    used when the point's own sea area is not known.
    """

    area: Area
    countries: tuple[str, ...] = ()
    radius_m: float | None = None

    @property
    def vague(self) -> bool:
        """The text names an area, not a place: the record is widened."""
        return self.area != "place"


@lru_cache(maxsize=65_536)
def read_area(text: str | None) -> TextArea:
    """Read the area one location text names.

    Examples
    --------
    >>> read_area("Unspecified location between Libya and Italy").area
    'crossing'
    >>> read_area("Mixed").area
    'vague'
    >>> read_area("Bani Walid, Libya").area
    'place'
    """
    if not text or not text.strip():
        return TextArea("vague")
    clean = strip_boilerplate(repair_mojibake(text))
    tokens = tokenize(clean)
    if not tokens:
        return TextArea("vague")
    countries = named_place(text).countries
    phrases = find_phrases(tokens)
    mentions = find_mentions(tokens, gazetteer())
    folded = " ".join(t.norm for t in tokens)
    vague = bool(VAGUE.search(folded)) or bool(VAGUE.search(fold(text)))

    between = phrases.between
    inside = set()
    if between is not None:
        (a0, a1), (b0, b1) = between
        inside = set(range(a0, a1)) | set(range(b0, b1))
    # a county beside a "between" makes it local ("between Uvalde and Hondo, Uvalde County")
    local = _LOCAL_KINDS if between is not None else SPECIFIC_KINDS
    specific_outside = any(
        _specific(m, local) and not inside.intersection(range(m.start, m.end)) for m in mentions
    ) or _unknown_name(tokens, mentions, skip=inside)
    if (
        between is not None
        and not specific_outside
        and not phrases.border
        and not _STREET_OR_ADMIN.search(folded)
    ):
        a, b = _end_place(mentions, between[0]), _end_place(mentions, between[1])
        if a is not None and b is not None:
            if distance_m(a.lat, a.lon, b.lat, b.lon) > LOCAL_BETWEEN_M:
                return TextArea("crossing", countries)
        elif not any(
            _unknown_name(tokens, mentions, skip=set(range(n)) | set(range(m, len(tokens))))
            for n, m in between
        ):
            # an end no gazetteer knows and no small place either: a crossing when the other
            # end is a country or a region, or nothing but countries are named
            end = a or b
            if (end is None and countries) or (
                end is not None and end.kind in ("country", "region", "sea", "strait")
            ):
                return TextArea("crossing", countries)
    if (
        specific_outside
        or (between is not None and _has_specific(mentions, tokens))
        or _SEE_COORDINATES.search(folded)
    ):
        return TextArea("place", countries)
    seas = [p for m in mentions for p in m.places if p.kind in _SEA_KINDS and not m.fuzzy]
    if seas or phrases.offshore or re.search(r"\bwaters?\b|\bocean\b", folded):
        radius = max((p.uncertainty_m for p in seas), default=None)
        return TextArea("sea", countries, radius)
    if phrases.border and not _has_specific(mentions, tokens, exclude=inside):
        return TextArea("border", countries)
    if (_STREET_OR_ADMIN.search(folded) and not vague) or _has_specific(mentions, tokens):
        return TextArea("place", countries)  # "Fars province, Iran", "Calle …", "Colonia …"
    admins = [
        p
        for m in mentions
        if not m.is_country and not m.fuzzy
        for p in m.places
        if p.kind in _ADMIN_KINDS and p.source == "curated" and p.name != "North Africa"
    ]
    if admins:  # a state, region or county and no place in it: "Texas", "Pima County"
        # the smallest named: "Imperial County, CA" is the county, inside the state
        return TextArea("admin", countries, min(p.uncertainty_m for p in admins))
    if countries:
        return TextArea("country", countries)
    return TextArea("vague")


def _specific(m: Mention, kinds: frozenset[str] = SPECIFIC_KINDS) -> bool:
    return not m.is_country and any(p.kind in kinds for p in m.places)


def _has_specific(
    mentions: list[Mention], tokens: list[Token], exclude: set[int] | None = None
) -> bool:
    skip = exclude or set()
    return any(
        _specific(m) and not skip.intersection(range(m.start, m.end)) for m in mentions
    ) or _unknown_name(tokens, mentions, skip=skip)


def _unknown_name(tokens: list[Token], mentions: list[Mention], *, skip: set[int]) -> bool:
    """A capitalised word no gazetteer knows is usually a small place ("Paga", "Dhobley"), as
    :func:`geo.quality.named_place` reads it."""
    covered = {i for m in mentions if not m.fuzzy for i in range(m.start, m.end)}
    return any(
        i not in covered
        and i not in skip
        and t.orig[:1].isupper()
        and len(t.norm) >= 3
        and t.norm not in STOPWORDS
        and t.norm not in _GENERIC
        for i, t in enumerate(tokens)
    )


def _end_place(mentions: list[Mention], span: tuple[int, int]) -> Place | None:
    """The most specific gazetteer place named in one end of "between X and Y" (a fuzzy
    match, "Progeso" → a Guatemalan town, is no evidence of distance)."""
    found = [m for m in mentions if span[0] <= m.start < span[1] and not m.fuzzy]
    for m in found:
        if not m.is_country and m.places:
            return m.places[0]
    for m in found:
        if m.places:
            return m.places[0]
    return None
