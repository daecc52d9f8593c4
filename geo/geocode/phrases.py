"""Find place mentions and the spatial phrases around them in a tokenised text.

Mentions come from exact look-ups of word n-grams (longest first, never across a comma) and,
for leftover words, a fuzzy look-up; phrases ("20 km north of", "off the coast of",
"between ... and ...", "near", "en route to") are regular expressions over the folded words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from rapidfuzz import fuzz, process

from geo.geocode.gazetteer import (
    FUZZY_LENGTH_SLACK,
    STOPWORDS,
    Gazetteer,
    fuzzy_block,
    gazetteer,
    is_minor,
)
from geo.geocode.geodesy import BEARINGS
from geo.geocode.model import Place
from geo.geocode.text import Token

MAX_NGRAM = 6
FUZZY_CUTOFF = 85.0  # rapidfuzz ratio; "Kurfrah"->"kufrah" 92, "Subratah"->"sabratah" 88

UNITS_M: dict[str, float] = {
    "km": 1000.0,
    "kms": 1000.0,
    "kilometer": 1000.0,
    "kilometers": 1000.0,
    "kilometre": 1000.0,
    "kilometres": 1000.0,
    "nautical mile": 1852.0,
    "nautical miles": 1852.0,
    "nm": 1852.0,
    "nmi": 1852.0,
    "mile": 1609.344,
    "miles": 1609.344,
    "mi": 1609.344,
    "meter": 1.0,
    "meters": 1.0,
    "metre": 1.0,
    "metres": 1.0,
    "m": 1.0,
}
_DIRS = "|".join(sorted(BEARINGS, key=len, reverse=True))
_UNITS = "|".join(sorted((re.escape(u) for u in UNITS_M), key=len, reverse=True))
_NUM = r"\d+(?:\.\d+)?"
OFFSET = re.compile(
    rf"\b(?P<num>{_NUM})(?: (?:to )?(?P<num2>{_NUM}))? (?P<unit>{_UNITS})\b"
    rf"(?: , [^,]* ,)?(?: and [^,]*?)?"
    rf"(?: (?P<dir>{_DIRS}))?(?: of| from| off| away from| off the coast of| before)\b"
)
DIRECTION_OF = re.compile(rf"\b(?P<dir>{_DIRS}) of\b")
OFFSHORE = re.compile(
    r"(?<!called )\boff\b|\boffshore\b|\bat sea\b|\bwaters\b|\bnautical\b|\d nmi?\b|\bshipwreck"
    r"|\bsank\b|\bcapsized\b|\bin the (?:\w+ )?sea\b"
)
NEAR = re.compile(
    r"\b(?:near|nearby|around|outside|close to|vicinity|surroundings|outskirts|environs)\b"
)
BETWEEN = re.compile(r"\bbetween\b(?P<a>.+?)\b(?:and|or)\b(?P<b>.+)$")
EITHER = re.compile(r"\b(?:in|near|of) (?P<a>[^,]+?) or (?P<b>.+)$")
EN_ROUTE = re.compile(
    r"\b(?:en route to|on route to|on the way to|heading to|heading for|bound for|towards"
    r"|trying to reach|destined for|to reach|had likely come|came from|departed from"
    r"|left from|coming from)\b"
)
# "from A to B", "trying to reach B from A": the incident lies on the way, so between the two.
ROUTE_PAIR = (
    re.compile(
        r"\bfrom (?P<a>[^,]+?) (?:to|towards|for) (?:the (?:mainland )?|mainland )?(?P<b>.+)$"
    ),
    re.compile(
        r"\b(?:to|reach|for|towards) (?P<a>[^,]+?) (?:from|after leaving|leaving) (?P<b>[^,]+)"
    ),
)
UNSPECIFIED = re.compile(r"\b(?:unspecified|unknown|undisclosed)(?: location)?\b")
BORDER = re.compile(r"\bborders?\b")
# A name right after these words is a street ("Blvrd. Lazaro Cardenas", "Calle Colon"), or
# right before STREET_AFTER ("Mt Signal Rd"); a country right after FACILITY_BEFORE names a
# building ("Hospital Mexico"), not the country the incident happened in.
STREET_BEFORE = frozenset(
    "calle avenida av avenue blvd blvrd boulevard bulevar calzada carretera colonia col".split()
)
STREET_AFTER = frozenset("street st road rd avenue ave boulevard blvd drive dr lane".split())
# Generic first words of Arabic place names ("Burg Rashid" = the tower of Rashid): when one is
# matched on its own right before another name, the other name is the place meant.
GENERIC_PREFIX = frozenset("burg borg bir kafr ain ras wadi jebel jabal tell sidi".split())
FACILITY_BEFORE = frozenset("hospital clinic hotel school airport embassy consulate".split())
DESERT = re.compile(r"\bdesert\b")


@dataclass(frozen=True, slots=True)
class Mention:
    """Words ``start:end`` of the token list name ``places`` (score < 1 when fuzzy)."""

    start: int
    end: int
    key: str
    places: tuple[Place, ...]
    score: float
    partial: bool = False  # an unknown capitalised word joins the name ("Jamia Nagar")

    @property
    def is_country(self) -> bool:
        return any(p.kind == "country" for p in self.places)

    @property
    def fuzzy(self) -> bool:
        return self.score < 1.0


@dataclass(frozen=True, slots=True)
class Offset:
    """A distance (metres) and optional bearing before the word index ``after``."""

    distance_m: float
    bearing: float | None
    after: int


@dataclass(frozen=True, slots=True)
class Phrases:
    """Spatial cues found in the text, as word indices into the token list."""

    offset: Offset | None
    direction_of: int | None
    offshore: bool
    near: bool
    between: tuple[tuple[int, int], tuple[int, int]] | None
    route: tuple[tuple[int, int], tuple[int, int]] | None
    en_route_from: int | None
    unspecified: bool
    border: bool
    desert: bool


def joined(tokens: list[Token]) -> tuple[str, list[int]]:
    """Folded words joined by spaces, with " ," at clause breaks, and each word's offset."""
    parts: list[str] = []
    starts: list[int] = []
    pos = 0
    for i, tok in enumerate(tokens):
        if i and tok.clause != tokens[i - 1].clause:
            parts.append(",")
            pos += 2
        starts.append(pos)
        parts.append(tok.norm)
        pos += len(tok.norm) + 1
    return " ".join(parts), starts


def _word_at(starts: list[int], char: int) -> int:
    """Index of the first word starting at or after ``char``."""
    for i, s in enumerate(starts):
        if s >= char:
            return i
    return len(starts)


def find_mentions(tokens: list[Token], gaz: Gazetteer) -> list[Mention]:
    """Exact n-gram matches, longest first and non-overlapping, then fuzzy for the rest."""
    taken = [False] * len(tokens)
    found: list[Mention] = []
    for n in range(min(MAX_NGRAM, len(tokens)), 0, -1):
        for i in range(len(tokens) - n + 1):
            span = tokens[i : i + n]
            if any(taken[i : i + n]) or span[0].clause != span[-1].clause:
                continue
            key = " ".join(t.norm for t in span)
            places = gaz.index.get(key)
            if not places or not _plausible(span, places):
                continue
            found.append(Mention(i, i + n, key, places, 1.0))
            taken[i : i + n] = [True] * n
    found.extend(_fuzzy_mentions(tokens, taken, gaz))
    found = [m for m in found if not _street_or_facility(m, tokens)]
    starts = {m.start for m in found}
    found = [
        m
        for m in found
        if not (
            m.key in GENERIC_PREFIX
            and m.end in starts
            and tokens[m.end].clause == tokens[m.start].clause
        )
    ]
    return sorted((_mark_partial(m, tokens, taken) for m in found), key=lambda m: m.start)


def _neighbour(tokens: list[Token], i: int, ref: int) -> Token | None:
    """Token ``i`` when it exists and is in the same clause as token ``ref``."""
    if 0 <= i < len(tokens) and tokens[i].clause == tokens[ref].clause:
        return tokens[i]
    return None


def _street_or_facility(m: Mention, tokens: list[Token]) -> bool:
    """Whether the name is part of a street or building name rather than a place."""
    if m.start and tokens[m.start - 1].norm in STREET_BEFORE:  # also across "Blvrd."
        return True
    before = _neighbour(tokens, m.start - 1, m.start)
    after = _neighbour(tokens, m.end, m.end - 1)
    if after is not None and after.norm in STREET_AFTER and after.orig[:1].isupper():
        return True
    return m.is_country and before is not None and before.norm in FACILITY_BEFORE


def _mark_partial(m: Mention, tokens: list[Token], taken: list[bool]) -> Mention:
    """Flag a name glued to an unknown capitalised word: "Jamia Nagar" is not the town Nagar."""
    for i in (m.start - 1, m.end):
        tok = _neighbour(tokens, i, m.start)
        if (
            tok is not None
            and not taken[i]
            and _content(tok)
            and tok.orig[:1].isupper()
            and tok.norm not in STREET_BEFORE
            and tok.norm not in FACILITY_BEFORE
        ):
            return replace(m, partial=True)
    return m


def _plausible(span: list[Token], places: tuple[Place, ...]) -> bool:
    """Short single words count as names only when written with a capital ("Una", "CA"), and
    so do names only a small town bears (lower-case "found" or "playa" is not a village)."""
    if all(is_minor(p) for p in places):
        return span[0].orig[:1].isupper()
    if len(span) > 1 or len(span[0].norm) > 4:
        return True
    return span[0].orig[:1].isupper()


def _fuzzy_mentions(tokens: list[Token], taken: list[bool], gaz: Gazetteer) -> list[Mention]:
    """Fuzzy-match runs of leftover content words (misspellings such as "Kurfrah")."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens):
        if taken[i] or not _content(tokens[i]):
            i += 1
            continue
        j = i + 1
        while j < len(tokens) and j - i < 3 and not taken[j] and _content(tokens[j]):
            if tokens[j].clause != tokens[i].clause:
                break
            j += 1
        runs.append((i, j))
        i = j
    out: list[Mention] = []
    for start, end in runs:
        spans = [(start, end)] + (
            [(k, k + 1) for k in range(start, end)] if end - start > 1 else []
        )
        for s, e in spans:
            key = " ".join(t.norm for t in tokens[s:e])
            if len(key) < 5 or not key[0].isalpha() or not tokens[s].orig[:1].isupper():
                continue
            hit = _fuzzy_lookup(key)
            if hit:
                out.append(Mention(s, e, hit[0], gaz.index[hit[0]], 0.95 * hit[1] / 100))
                break
    return out


@lru_cache(maxsize=50_000)
def _fuzzy_lookup(key: str) -> tuple[str, float] | None:
    """Best index key within the fuzzy cut-off; cached, as the same words recur in bulk."""
    blocks = gazetteer().fuzzy_keys
    best: tuple[str, float] | None = None
    for n in range(len(key) - FUZZY_LENGTH_SLACK, len(key) + FUZZY_LENGTH_SLACK + 1):
        cutoff = FUZZY_CUTOFF if best is None else best[1]
        choices = blocks.get(fuzzy_block(key, n), ())
        hit = process.extractOne(key, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        if hit and (best is None or hit[1] > best[1]):
            best = (hit[0], float(hit[1]))
    return best


def clear_caches() -> None:
    """Forget cached fuzzy look-ups (for timing, or after the index changed)."""
    _fuzzy_lookup.cache_clear()


def _content(tok: Token) -> bool:
    return tok.norm not in STOPWORDS and not tok.norm[0].isdigit() and len(tok.norm) >= 3


def find_phrases(tokens: list[Token]) -> Phrases:
    """Detect the spatial phrases of the text."""
    text, starts = joined(tokens)
    text = re.sub(r"\b(north|south) (east|west)\b", r"\1\2", text)
    offset = None
    m = OFFSET.search(text)
    if m:
        value = float(m.group("num"))
        if m.group("num2"):
            value = (value + float(m.group("num2"))) / 2
        bearing = BEARINGS.get(m.group("dir") or "")
        offset = Offset(value * UNITS_M[m.group("unit")], bearing, _word_at(starts, m.end()))
    direction_of = None
    d = DIRECTION_OF.search(text)
    if d and offset is None:
        direction_of = _word_at(starts, d.end())
    between = None
    b = BETWEEN.search(text) or EITHER.search(text)
    if b:
        a_span = (_word_at(starts, b.start("a")), _word_at(starts, b.end("a")))
        b_span = (_word_at(starts, b.start("b")), _word_at(starts, b.end("b")) + 1)
        between = (a_span, b_span)
    route_pair = None
    for pattern in ROUTE_PAIR:
        r = pattern.search(text)
        if r:
            route_pair = (
                (_word_at(starts, r.start("a")), _word_at(starts, r.end("a"))),
                (_word_at(starts, r.start("b")), _word_at(starts, r.end("b")) + 1),
            )
            break
    route = EN_ROUTE.search(text)
    return Phrases(
        offset=offset,
        direction_of=direction_of,
        offshore=bool(OFFSHORE.search(text)),
        near=bool(NEAR.search(text)),
        between=between,
        route=route_pair,
        en_route_from=_word_at(starts, route.start()) if route else None,
        unspecified=bool(UNSPECIFIED.search(text)),
        border=bool(BORDER.search(text)),
        desert=bool(DESERT.search(text)),
    )
