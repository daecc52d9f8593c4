"""What a location text names, read with the offline gazetteer (the full reading).

:func:`named_place` reads one text; :data:`read` caches readings per text key for the life of the
process; :func:`preload_gazetteer` starts loading the gazetteer in a thread so the load overlaps
the SQL of a pass. The cheap reading without the gazetteer is :mod:`geo.quality.literal`.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

from geo.geocode.gazetteer import KINDS_AT_SEA, STOPWORDS, gazetteer
from geo.geocode.phrases import find_mentions, find_phrases
from geo.geocode.text import fold, repair_mojibake, strip_boilerplate, tokenize
from geo.quality.literal import ADMIN_KINDS as _ADMIN_KINDS
from geo.quality.literal import route_words

_WATER = re.compile(
    r"\b(?:river|rio|creek|canal|lake|lagoon|dam|reservoir|pond|arroyo|stream|swimming|pool"
    r"|swamp|marsh|wash|flood|channel|bay|beach|coast|shore|sea|waters?|harbou?r|port|island|strait|gulf"
    r"|bravo|grande|evros|maritsa|meric|una|kolpa|drina|sava|danube|naf|limpopo|nile|bank)\b"
)
DESERT = re.compile(r"\b(?:desert|(?<!western )sahara|sonoran)\b")  # not the country
_WATER_KINDS = frozenset({"river", "canal", "sea", "strait"})
# Names precise enough that a flipped point agreeing with them is a swap, not a coincidence.
_LOCALITY_KINDS = frozenset({"city", "town", "county", "admin", "island", "border_crossing"})


@dataclass(frozen=True)
class NamedPlace:
    """What a location text says about where it is.

    ``countries``: ADM0_A3 codes the text names as the place (destinations after "en route to"
    and both ends of a route phrase, "Central America to US", are left out), in text order;
    ``sea``: the text speaks of the sea ("off the coast of", "waters", a named sea); ``water``:
    it names any water a person can drown in inland (river, canal, lake, a border river);
    ``desert``: it names a desert; ``coarse``: it names no town or admin area, or says
    "unspecified" or "between", or a country only in a route — a point anywhere in a wide area fits
    it, so a flipped point agreeing with it proves little.
    """

    countries: tuple[str, ...]
    sea: bool
    water: bool
    desert: bool
    coarse: bool


def named_place(text: str | None) -> NamedPlace:
    """Read the countries, and sea/water/desert words, of one location text.

    Examples
    --------
    >>> named_place("Bani Walid, Libya").countries
    ('LBY',)
    >>> named_place("Pima County, Arizona").countries
    ('USA',)
    >>> p = named_place("Off the coast of Zuwara, Libya")
    >>> p.countries, p.sea
    (('LBY',), True)
    """
    if not text:
        return NamedPlace((), False, False, False, True)
    tokens = tokenize(strip_boilerplate(repair_mojibake(text)))
    if not tokens:
        return NamedPlace((), False, False, False, True)
    phrases = find_phrases(tokens)
    route = route_words(tokens)
    left_out = False
    countries: list[str] = []
    water = False
    locality = False
    covered: set[int] = set()  # words that name a country, a sea or a desert
    # "between Libya and Italy", "between Dakhla and Gran Canaria": a crossing, often by sea
    sea = phrases.offshore or phrases.between is not None
    for mention in find_mentions(tokens, gazetteer()):
        kinds = {p.kind for p in mention.places}
        water = water or bool(kinds & _WATER_KINDS)
        sea = sea or bool(kinds & KINDS_AT_SEA)
        if kinds & _LOCALITY_KINDS and not mention.is_country:
            locality = True
        else:
            covered.update(range(mention.start, mention.end))
        if mention.fuzzy:
            continue
        if route.intersection(range(mention.start, mention.end)):
            # a route ("Central America to US") is a journey, not the place; a text whose
            # country is left out for it is coarse
            left_out = (
                left_out
                or mention.is_country
                or any(p.source == "curated" and p.kind in _ADMIN_KINDS for p in mention.places)
            )
            continue
        if phrases.en_route_from is not None and mention.start >= phrases.en_route_from:
            continue  # a destination is not where it happened
        if mention.is_country:
            codes = {p.country for p in mention.places if p.kind == "country" and p.country}
            # "Georgia" the state and the country: a curated admin area of the same name
            # makes the mention ambiguous; leave it out.
            if any(p.source == "curated" and p.kind in _ADMIN_KINDS for p in mention.places):
                continue
        else:
            admin = [p for p in mention.places if p.source == "curated" and p.kind in _ADMIN_KINDS]
            if not admin or len(admin) != len(mention.places):
                continue
            codes = {p.country for p in admin if p.country}
        if len(codes) == 1:
            code = codes.pop()
            if code not in countries:
                countries.append(code)
    # A capitalised word no gazetteer knows is usually a small place ("Paga", "Dhobley").
    locality = locality or any(
        i not in covered and t.orig[:1].isupper() and len(t.norm) >= 3 and t.norm not in STOPWORDS
        for i, t in enumerate(tokens)
    )
    folded = " ".join(t.norm for t in tokens)
    return NamedPlace(
        countries=tuple(countries),
        sea=sea,
        water=water or sea or bool(_WATER.search(folded)),
        desert=bool(DESERT.search(fold(text))),
        coarse=not locality or phrases.unspecified or phrases.between is not None or left_out,
    )


# Readings per text key, for every pass of the process (the gazetteer does not change).
read = lru_cache(maxsize=65_536)(named_place)


def preload_gazetteer() -> threading.Thread | None:
    """Start loading the gazetteer (~1 s of Python) while the database works on the scope and
    the cheap readings; None when it is loaded already."""
    if gazetteer.cache_info().currsize:
        return None
    thread = threading.Thread(target=gazetteer, name="quality-gazetteer", daemon=True)
    thread.start()
    return thread
