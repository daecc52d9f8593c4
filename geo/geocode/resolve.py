"""Turn an incident's location text into a point, a precision and an uncertainty radius.

The steps: repair and clean the text, find place mentions and spatial phrases, pick the
place the text is about (the most specific one, not a destination "en route to"), rank its
same-name candidates with the country and region hints, refuse to guess between far-apart
equals, then apply the phrase (offset, between, off the coast, near) to the point.
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.geocode.gazetteer import KINDS_AT_SEA, Gazetteer, gazetteer
from geo.geocode.geodesy import destination, distance_m, midpoint
from geo.geocode.model import PRECISION_RANK, Candidate, GeocodeResult, Place
from geo.geocode.phrases import Mention, Phrases, find_mentions, find_phrases
from geo.geocode.regions import in_boxes, region_boxes
from geo.geocode.text import repair_mojibake, strip_boilerplate, tokenize

NEAR_EXTRA_M = 10_000.0  # "near X": most reports mean within about 10 km of X
OFFSHORE_EXTRA_M = 25_000.0  # "off the coast of X": positions reported up to ~25 km out
DIRECTION_EXTRA_M = 25_000.0  # "west of X" without a distance
OFFSET_SPREAD = 0.4  # lateral error of a compass point (+-22.5 deg) plus range error
AMBIGUITY_MARGIN = 0.05  # candidates within this score of the best are "as good"
AMBIGUITY_MIN_KM = 50.0  # and count as distinct only when farther apart than this
DOMINANT_POPULATION_RATIO = 20.0  # a place this much bigger than its namesakes is meant
NOMINAL_POPULATION = 100_000  # for curated places without a population figure
HINT_MISMATCH = 0.55  # score factor for a candidate outside the hinted countries
HINT_NEUTRAL = 0.9  # ... for seas and cross-border features when a country is hinted
REGION_MISMATCH = 0.8  # ... for a candidate outside the record's region
DEDUP_M = 30_000.0  # same name, same country, closer than this: one place
CONTEXT_MISMATCH = 0.85  # score factor for a candidate far from the text's other names
CONTEXT_SLACK_M = 20_000.0  # "near each other" allowance beyond both radii
BETWEEN_ADMIN_M = 100_000.0  # a midpoint this uncertain is regional, whatever the ends are


@dataclass(frozen=True, slots=True)
class Scored:
    """A candidate place with its score."""

    place: Place
    score: float


def geocode(text: str, *, country: str | None = None, region: str | None = None) -> GeocodeResult:
    """Geocode an incident's free-text location offline.

    Parameters
    ----------
    text
        Location text as reported ("20 miles north of Zuwara, Libya").
    country
        ADM0_A3 code known from elsewhere in the record, used to disambiguate.
    region
        Region name of the record (MMP "Region of Incident"), a weaker tie-breaker.

    Returns
    -------
    GeocodeResult
        ``status`` is "matched" with a point, "ambiguous" (candidates listed, no point) or
        "not_found".

    Examples
    --------
    >>> r = geocode("Off the coast of Zuwara, Libya")
    >>> r.status, r.country, r.precision
    ('matched', 'at_sea', 'locality')
    >>> geocode("Tripoli").status
    'ambiguous'
    """
    gaz = gazetteer()
    cleaned = strip_boilerplate(repair_mojibake(text))
    tokens = tokenize(cleaned)
    mentions = find_mentions(tokens, gaz)
    phrases = find_phrases(tokens)
    result = GeocodeResult(query=text, status="not_found")
    if not mentions:
        result.reason = "no known place name in the text"
        return result

    origin = [
        m for m in mentions if phrases.en_route_from is None or m.start < phrases.en_route_from
    ]
    if not origin:
        origin = mentions  # only a destination is named: better than nothing, said in reason
    hints = _hints(origin, country)
    boxes = region_boxes(region)

    if phrases.between:
        done = _between(result, origin, phrases, hints, boxes)
        if done:
            return done
    places = [m for m in origin if not m.is_country]
    countries = [m for m in origin if m.is_country]

    if phrases.border and len(hints) == 2 and not _finer_than_admin(places):
        border = gaz.borders.get(frozenset(hints))
        if border:
            return _finish(result, border, 0.9, "on the land border named in the text", [])

    if phrases.offset:
        after = [m for m in origin if m.start >= phrases.offset.after]
        primary = _pick(after, hints) or _pick(places, hints) or _pick(countries, hints)
    else:
        primary = _pick(places, hints) or _pick(countries, hints)
    assert primary is not None
    context = [p for m in places if m is not primary for p in m.places if _fits(p, hints)]
    ranked = _rank(primary, hints, boxes, context)
    result.candidates = [_candidate(s) for s in ranked[:5]]
    rivals = _rivals(ranked)
    if rivals:
        result.status = "ambiguous"
        names = ", ".join(f"{s.place.name} ({s.place.country or 'sea'})" for s in rivals)
        result.reason = f"'{primary.key}' fits several distant places equally well: {names}"
        result.score = ranked[0].score
        return result

    best = ranked[0]
    place = best.place
    if place.kind == "country" and phrases.offshore and place.country in gaz.coasts:
        coast = gaz.coasts[place.country]
        return _finish(result, coast, best.score * 0.9, "off the coast of a country", [])
    if hints and place.kind != "country" and place.precision in ("admin", "sea_area"):
        inner = _country_inside(place, hints, gaz)
        if inner:
            reason = f"{place.name} spans more than {inner.name}; the country is finer"
            return _finish(result, inner, best.score * 0.9, reason, [])
    return _apply(result, place, best.score, phrases, primary, origin is mentions)


def _hints(mentions: list[Mention], country: str | None) -> set[str]:
    """ADM0_A3 codes the text names (exact or fuzzy country mentions) plus the given one."""
    codes = {p.country for m in mentions if m.is_country for p in m.places if p.kind == "country"}
    if country:
        codes.add(country.upper())
    return {c for c in codes if c}


def _finer_than_admin(mentions: list[Mention]) -> bool:
    return any(
        PRECISION_RANK[p.precision] < PRECISION_RANK["admin"] for m in mentions for p in m.places
    )


def _fits(place: Place, hints: set[str]) -> bool:
    """Whether a place agrees with the hinted countries (seas and borders always do)."""
    return not hints or place.country is None or place.country in hints


def _pick(mentions: list[Mention], hints: set[str] = frozenset()) -> Mention | None:  # type: ignore[assignment]
    """The mention the text is about.

    Prefer names that agree with the hinted countries, then the finest precision (exact
    before fuzzy), then the first in the text: in "Mission, Hidalgo County, Texas" the town.
    """
    if not mentions:
        return None

    def key(m: Mention) -> tuple[int, int, int]:
        fits = [p for p in m.places if _fits(p, hints)]
        rank = min(PRECISION_RANK[p.precision] for p in (fits or m.places))
        return (0 if fits else 1, rank + (1 if m.fuzzy else 0), m.start)

    return min(mentions, key=key)


def _rank(
    mention: Mention, hints: set[str], boxes: tuple, context: list[Place] | None = None
) -> list[Scored]:
    """Score each place the mention may name and merge duplicates across sources.

    Hints scale scores down for places in other countries or outside the record's region;
    when other names of the text (``context``, e.g. "Hidalgo County") lie near some of the
    candidates, the candidates far from all of them are scaled down too.
    """
    scored = []
    for place in mention.places:
        if mention.is_country and place.kind != "country":
            continue
        score = mention.score
        if hints:
            if place.country is None:
                score *= HINT_NEUTRAL
            elif place.country not in hints:
                score *= HINT_MISMATCH
        if boxes and not in_boxes(place.lat, place.lon, boxes):
            score *= REGION_MISMATCH
        scored.append(Scored(place, score))
    if context:
        near = [s for s in scored if _supported(s.place, context)]
        if near and len(near) < len(scored):
            scored = [
                s if s in near else Scored(s.place, s.score * CONTEXT_MISMATCH) for s in scored
            ]
    scored.sort(key=lambda s: (-s.score, s.place.source != "curated", -(s.place.population or 0)))
    merged: list[Scored] = []
    for cand in scored:
        twin = next((m for m in merged if _same(m.place, cand.place)), None)
        if twin is None:
            merged.append(cand)
        elif twin.place.population is None and cand.place.population:
            # Keep the curated entry but remember its population for the ambiguity test.
            idx = merged.index(twin)
            merged[idx] = Scored(_with_population(twin.place, cand.place.population), twin.score)
    return merged


def _supported(place: Place, context: list[Place]) -> bool:
    """Whether another name of the text lies around this place."""
    return any(
        distance_m(place.lat, place.lon, c.lat, c.lon)
        <= place.uncertainty_m + c.uncertainty_m + CONTEXT_SLACK_M
        for c in context
        if c.kind != "country"
    )


def _same(a: Place, b: Place) -> bool:
    return a.country == b.country and distance_m(a.lat, a.lon, b.lat, b.lon) < max(
        DEDUP_M, a.uncertainty_m, b.uncertainty_m
    )


def _with_population(place: Place, population: int) -> Place:
    from dataclasses import replace

    return replace(place, population=population)


def _rivals(ranked: list[Scored]) -> list[Scored]:
    """Other candidates as good as the best, far from it and not dwarfed by it."""
    if len(ranked) < 2:
        return []
    best = ranked[0]
    out = []
    for cand in ranked[1:]:
        if cand.score < best.score - AMBIGUITY_MARGIN:
            break
        apart_km = distance_m(best.place.lat, best.place.lon, cand.place.lat, cand.place.lon) / 1e3
        reach_km = (best.place.uncertainty_m + cand.place.uncertainty_m) / 1e3
        if apart_km <= max(AMBIGUITY_MIN_KM, reach_km):
            continue
        big = best.place.population or NOMINAL_POPULATION
        small = cand.place.population or NOMINAL_POPULATION
        if big >= DOMINANT_POPULATION_RATIO * small:
            continue
        out.append(cand)
    return [best, *out] if out else []


def _country_inside(place: Place, hints: set[str], gaz: Gazetteer) -> Place | None:
    """For "Sahara desert, Libya": the hinted country when it is smaller than the place."""
    if place.country in hints:
        return None
    inner = [gaz.countries[c] for c in hints if c in gaz.countries]
    inner = [c for c in inner if c.uncertainty_m < place.uncertainty_m]
    inner = [
        c for c in inner if distance_m(c.lat, c.lon, place.lat, place.lon) < place.uncertainty_m
    ]
    return min(inner, key=lambda c: c.uncertainty_m) if len(inner) == 1 else None


def _between(
    result: GeocodeResult,
    mentions: list[Mention],
    phrases: Phrases,
    hints: set[str],
    boxes: tuple,
) -> GeocodeResult | None:
    """Midpoint of the two places of "between X and Y"; None when a side names nothing."""
    assert phrases.between is not None
    sides = []
    for lo, hi in phrases.between:
        inside = [m for m in mentions if lo <= m.start < hi]
        mention = _pick([m for m in inside if not m.is_country]) or _pick(inside)
        if mention is None:
            return None
        ranked = _rank(mention, hints, boxes)
        if not ranked or _rivals(ranked):
            return None
        sides.append(ranked[0])
    (a, b) = sides
    if a.place.kind == "country" and b.place.kind == "country" and phrases.border:
        pair = frozenset(c for c in (a.place.country, b.place.country) if c)
        border = gazetteer().borders.get(pair)
        if border:
            return _finish(result, border, min(a.score, b.score), "on the land border", [])
    lat, lon, half = midpoint(a.place.lat, a.place.lon, b.place.lat, b.place.lon)
    radius = half + max(a.place.uncertainty_m, b.place.uncertainty_m)
    coarse = max(a.place, b.place, key=lambda p: PRECISION_RANK[p.precision]).precision
    if radius > BETWEEN_ADMIN_M and PRECISION_RANK[coarse] < PRECISION_RANK["admin"]:
        coarse = "admin"
    mid = Place(
        name=f"between {a.place.name} and {b.place.name}",
        lat=lat,
        lon=lon,
        kind="between",
        precision=coarse,
        uncertainty_m=radius,
        country=a.place.country if a.place.country == b.place.country else None,
        source=f"{a.place.source}+{b.place.source}",
    )
    result.candidates = [_candidate(a), _candidate(b)]
    reason = "midpoint of the two places; the radius covers both"
    out = _finish(result, mid, min(a.score, b.score) * 0.9, reason, result.candidates)
    if phrases.offshore or (mid.country is None and a.place.kind in KINDS_AT_SEA):
        out.country = "at_sea"
    return out


def _apply(
    result: GeocodeResult,
    place: Place,
    score: float,
    phrases: Phrases,
    mention: Mention,
    destination_only: bool,
) -> GeocodeResult:
    """Move and widen the place's circle as the phrase says."""
    lat, lon, radius = place.lat, place.lon, place.uncertainty_m
    notes = []
    offset = phrases.offset
    if offset and offset.after <= mention.start:
        if offset.bearing is not None:
            lat, lon = destination(lat, lon, offset.bearing, offset.distance_m)
            radius += OFFSET_SPREAD * offset.distance_m
            notes.append(f"moved {offset.distance_m / 1000:.1f} km at {offset.bearing:.0f} deg")
        else:
            radius += offset.distance_m
            notes.append(f"within {offset.distance_m / 1000:.1f} km, direction unknown")
        score *= 0.9
    elif phrases.offshore and place.kind not in KINDS_AT_SEA:
        radius += OFFSHORE_EXTRA_M
        notes.append("off the coast: radius widened")
    if phrases.direction_of is not None and phrases.direction_of <= mention.start:
        radius += max(DIRECTION_EXTRA_M, place.uncertainty_m)
        notes.append("direction without distance: radius widened")
        score *= 0.9
    elif phrases.near:
        radius += NEAR_EXTRA_M
        notes.append("'near': radius widened")
        score *= 0.95
    if phrases.unspecified and place.kind == "country":
        notes.append("unspecified location within the country")
    if destination_only:
        notes.append("only a destination is named")
        score *= 0.7
    moved = Place(
        name=place.name,
        lat=lat,
        lon=lon,
        kind=place.kind,
        precision=place.precision,
        uncertainty_m=radius,
        country=place.country,
        source=place.source,
    )
    out = _finish(result, moved, score, "; ".join(notes) or "name match", result.candidates)
    if phrases.offshore or place.kind in KINDS_AT_SEA or place.coast_of:
        out.country = "at_sea"
    return out


def _finish(
    result: GeocodeResult, place: Place, score: float, reason: str, candidates: list[Candidate]
) -> GeocodeResult:
    result.status = "matched"
    result.lat, result.lon = place.lat, place.lon
    result.precision = place.precision  # type: ignore[assignment]
    result.uncertainty_m = place.uncertainty_m
    result.score = max(0.0, min(1.0, score))
    result.matched_name = place.name
    result.matched_source = place.source
    result.country = "at_sea" if place.kind in KINDS_AT_SEA or place.coast_of else place.country
    result.candidates = candidates or [_candidate(Scored(place, score))]
    result.reason = reason
    return result


def _candidate(s: Scored) -> Candidate:
    p = s.place
    return Candidate(p.name, p.lat, p.lon, p.country, p.kind, round(s.score, 4), p.source)
