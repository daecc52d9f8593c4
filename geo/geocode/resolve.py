"""Turn an incident's location text into a point, a precision and an uncertainty radius.

The steps: repair and clean the text, find place mentions and spatial phrases, rank each
mention's same-name candidates with the country, region and context hints, pick the mention
the text is about (agreeing with the hints, supported by the other names, the most specific,
not a destination "en route to"), refuse to guess between far-apart equals, then apply the
phrase (offset, between, off the coast, near) to the point.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from geo.geocode.gazetteer import KINDS_AT_SEA, Gazetteer, gazetteer, is_minor
from geo.geocode.geodesy import destination, distance_m, midpoint
from geo.geocode.model import PRECISION_RANK, Candidate, GeocodeResult, Place
from geo.geocode.phrases import Mention, Phrases, find_mentions, find_phrases
from geo.geocode.regions import Box, in_boxes, region_boxes
from geo.geocode.text import Token, repair_mojibake, strip_boilerplate, tokenize

NEAR_EXTRA_M = 10_000.0  # "near X": most reports mean within about 10 km of X
DESERT_EXTRA_M = 200_000.0  # "in the desert near X": X is only the nearest town of a crossing
OFFSHORE_EXTRA_M = 50_000.0  # "off the coast of X": boats are reported up to ~27 nm out
DIRECTION_EXTRA_M = 25_000.0  # "west of X" without a distance
OFFSET_SPREAD = 0.5  # compass point +-22.5 deg (0.38 d sideways) and +-30 % on the distance
AMBIGUITY_MARGIN = 0.05  # candidates within this score of the best are "as good"
AMBIGUITY_MIN_KM = 50.0  # and count as distinct only when farther apart than this
DOMINANT_POPULATION_RATIO = 20.0  # a place this much bigger than its namesakes is meant
NOMINAL_POPULATION = 100_000  # for curated places without a population figure
HINT_MISMATCH = 0.55  # score factor for a candidate outside the hinted countries
HINT_SECONDARY = 0.9  # ... for a hinted country that is not the one written after the name
REGION_MISMATCH = 0.8  # ... for a candidate outside the record's region
ADMIN_CUE_MISMATCH = 0.8  # ... for a town when the text says "X province/state/county"
CONTEXT_MISMATCH = 0.85  # ... for a candidate far from the text's other names
CONTEXT_SLACK_M = 20_000.0  # "near each other" allowance beyond both radii
WEAK_SCORE = 0.6  # a name whose best candidate scores lower is chosen only as a last resort
SIDE_MIN_SCORE = 0.75  # a "between" end scored lower than this is a guess: no midpoint
DEDUP_M = 30_000.0  # same name, same country, closer than this: one place
BETWEEN_ADMIN_M = 100_000.0  # a midpoint this uncertain is regional, whatever the ends are
ADMIN_WORDS = frozenset({"province", "state", "governorate", "region", "county", "department"})


Spans = tuple[tuple[int, int], tuple[int, int]]


@dataclass(frozen=True, slots=True)
class Scored:
    """A candidate place with its score."""

    place: Place
    score: float


@dataclass(frozen=True, slots=True)
class Context:
    """What the whole text says besides the name being ranked."""

    tokens: list[Token]
    mentions: list[Mention]
    hints: set[str]
    boxes: tuple[Box, ...]
    given_country: str | None


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
    tokens = tokenize(strip_boilerplate(repair_mojibake(text)))
    mentions = find_mentions(tokens, gaz)
    phrases = find_phrases(tokens)
    result = GeocodeResult(query=text, status="not_found")
    if not mentions:
        result.reason = "no known place name in the text"
        return result

    given = country.strip().upper() if country else None
    if given and given not in gaz.countries:
        given = None  # not an ADM0_A3 code (e.g. "at_sea"): no hint
    result = _resolve(result, tokens, mentions, phrases, given, region)
    if result.status == "not_found" and given and result.reason == NO_FIT:
        # The caller's country fits none of the names: trust the text, and say so.
        result = _resolve(
            GeocodeResult(query=text, status="not_found"), tokens, mentions, phrases, None, region
        )
        result.score *= HINT_MISMATCH
        result.reason += f"; the given country {given} fits none of the names and was ignored"
    return result


NO_FIT = "the names found do not fit the country named in the text or given"


def _resolve(
    result: GeocodeResult,
    tokens: list[Token],
    mentions: list[Mention],
    phrases: Phrases,
    given: str | None,
    region: str | None,
) -> GeocodeResult:
    """Pick the place and apply the phrase, with the caller's country ``given`` or not."""
    gaz = gazetteer()
    route = phrases.en_route_from
    origin = [m for m in mentions if route is None or m.start < route]
    ctx = Context(tokens, mentions, _hints(origin, given), region_boxes(region), given)
    if phrases.route and not phrases.between:
        done = _between(result, mentions, phrases.route, phrases, ctx, own_side=True)
        if done:
            done.reason = "on the way between the two places; the radius covers both"
            return done
    if not origin:
        ranked = _rank(mentions[0], ctx)
        result.candidates = [_candidate(s) for s in ranked[:5]]
        result.reason = "the text names only a destination, not where the incident happened"
        return result

    spans = phrases.between or _pair(origin, tokens)
    if spans:
        done = _between(result, origin, spans, phrases, ctx)
        if done:
            return done
    places = [m for m in origin if not m.is_country]
    countries = [m for m in origin if m.is_country]

    if phrases.border and len(ctx.hints) == 2 and not _admin_or_finer(places, ctx):
        border = gaz.borders.get(frozenset(ctx.hints))
        if border:
            return _finish(result, border, 0.9, "on the land border named in the text", [])

    pool, fallback = places, countries
    if phrases.offset:
        after = [m for m in origin if m.start >= phrases.offset.after]
        pool = [m for m in after if not m.is_country] or places
        fallback = [m for m in after if m.is_country] or countries
    choice = _choose(pool, ctx) or _choose(fallback, ctx)
    if choice is None:
        result.reason = NO_FIT
        return result
    primary, ranked = choice
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
    if ctx.hints and place.kind != "country" and place.precision in ("admin", "sea_area"):
        inner = _country_inside(place, ctx.hints, gaz)
        if inner:
            reason = f"{place.name} spans more than {inner.name}; the country is finer"
            return _finish(result, inner, best.score * 0.9, reason, [])
    return _apply(result, place, best.score, phrases, primary)


def _hints(mentions: list[Mention], country: str | None) -> set[str]:
    """ADM0_A3 codes the text names (exact or fuzzy country mentions) plus the given one."""
    codes = {p.country for m in mentions if m.is_country for p in m.places if p.kind == "country"}
    if country:
        codes.add(country)
    return {c for c in codes if c}


def _fits(place: Place, hints: set[str]) -> bool:
    """Whether a place agrees with the hinted countries (seas and borders always do; a town
    of no known country, such as Kralendijk on Bonaire, never does)."""
    if not hints or place.country in hints:
        return True
    return place.country is None and place.kind != "city" and not is_minor(place)


def _candidates(mention: Mention, ctx: Context) -> tuple[Place, ...]:
    """The mention's places, the small GeoNames towns last in priority: they count only
    inside the hinted countries and the record's region, and only when no larger place of
    the name fits both ("Bali, Ethiopia" may be the Ethiopian village; "Bali" is the island).
    """
    major = tuple(p for p in mention.places if not is_minor(p))
    if len(major) == len(mention.places):
        return major

    def fits(p: Place) -> bool:
        return _fits(p, ctx.hints) and (not ctx.boxes or _in_region(p, ctx.boxes))

    if any(fits(p) for p in major):
        return major
    return major + tuple(p for p in mention.places if is_minor(p) and fits(p))


def _admin_or_finer(mentions: list[Mention], ctx: Context) -> bool:
    """Whether the text names a province, river or town in the hinted countries."""
    return any(
        PRECISION_RANK[p.precision] <= PRECISION_RANK["admin"]
        for m in mentions
        for p in m.places
        if _fits(p, ctx.hints)
    )


def _choose(pool: list[Mention], ctx: Context) -> tuple[Mention, list[Scored]] | None:
    """The mention the text is about, with its ranked candidates.

    Only names with a candidate in the hinted countries count. Among them, prefer one whose
    best candidate lies in the record's region and is not weak (penalised by a hint), then
    near another name of the text, then an
    exact over a fuzzy match, then the finest precision, then the first written: in
    "Mission, Hidalgo County, Texas" the town. An ambiguous name gives way to the next
    unambiguous one ("San Giovanni di Dio Hospital, Cagliari").
    """
    options = []
    for mention in pool:
        if not any(_fits(p, ctx.hints) for p in mention.places):
            continue
        ranked = _rank(mention, ctx)
        if ranked:
            options.append((mention, ranked))
    if not options:
        return None
    tops = [(m, r[0].place) for m, r in options]

    def key(option: tuple[Mention, list[Scored]]) -> tuple[int, ...]:
        mention, ranked = option
        top = ranked[0].place
        outside = 1 if ctx.boxes and not _in_region(top, ctx.boxes) else 0
        weak = 1 if ranked[0].score < WEAK_SCORE else 0
        others = [p for m, p in tops if m is not mention and p.kind != "country"]
        alone = 1 if others and not _supported(top, others) else 0
        alone *= 2 if is_minor(top) else 1  # a village far from the text's other names: last
        fuzzy = 1 if mention.fuzzy else 0
        partial = 1 if mention.partial else 0
        rank = PRECISION_RANK[top.precision]
        return (outside, weak, alone, partial, fuzzy, rank, mention.start)

    options.sort(key=key)
    for mention, ranked in options:
        if not _rivals(ranked):
            return mention, ranked
    return options[0]


def _rank(mention: Mention, ctx: Context) -> list[Scored]:
    """Score each place the mention may name and merge duplicates across sources.

    Hints scale scores down for places in other countries (less so for a hinted country
    other than the one written right after the name), outside the record's region, for a
    town when the text says "province", and far from the text's other names.
    """
    strong = _following_country(mention, ctx)
    cue = _admin_cue(mention, ctx.tokens)
    context = [p for m in ctx.mentions if m is not mention and not m.is_country for p in m.places]
    scored = []
    for place in _candidates(mention, ctx):
        if mention.is_country and place.kind != "country":
            continue
        score = mention.score
        if place.country is not None:
            if ctx.hints and place.country not in ctx.hints:
                score *= HINT_MISMATCH
            elif strong and place.country not in strong:
                score *= HINT_SECONDARY if ctx.hints else HINT_MISMATCH
        if ctx.boxes and not _in_region(place, ctx.boxes):
            score *= REGION_MISMATCH
        if cue and place.precision in ("locality", "site"):
            score *= ADMIN_CUE_MISMATCH
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
            merged[idx] = Scored(replace(twin.place, population=cand.place.population), twin.score)
    return merged


def _in_region(place: Place, boxes: tuple[Box, ...]) -> bool:
    return in_boxes(place.lat, place.lon, boxes, place.uncertainty_m)


def _following_country(mention: Mention, ctx: Context) -> set[str]:
    """The country written after a name: the given one, else the first country named after
    it ("Tripoli, Libya"), else the country of the next unequivocal name ("Moria, Lesvos")."""
    if ctx.given_country:
        return {ctx.given_country}
    for m in sorted(ctx.mentions, key=lambda m: m.start):
        if m.start < mention.end:
            continue
        if m.is_country:
            return {p.country for p in m.places if p.kind == "country" and p.country}
        codes = {p.country for p in m.places}
        if len(codes) == 1 and None not in codes and not m.fuzzy:
            return {c for c in codes if c}
    return set()


def _admin_cue(mention: Mention, tokens: list[Token]) -> bool:
    """Whether the name is followed by "province", "state", "county"... in the same clause."""
    if mention.end >= len(tokens):
        return False
    nxt = tokens[mention.end]
    return nxt.norm in ADMIN_WORDS and nxt.clause == tokens[mention.end - 1].clause


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


def _side(
    mentions: list[Mention], span: tuple[int, int], ctx: Context, own_side: bool = False
) -> Scored | None:
    """The place one side of "between X and Y" names: a name in the side's first clause
    ("Agadez" of "Agadez, Niger"), else a country anywhere in the side. With ``own_side``
    (a route "from X to Y") the other side's country is not a hint for this one."""
    lo, hi = span
    if lo >= len(ctx.tokens):
        return None
    if own_side:
        ctx = replace(ctx, mentions=[m for m in ctx.mentions if lo <= m.start < hi])
    clause = ctx.tokens[lo].clause
    inside = [m for m in mentions if lo <= m.start < hi]
    first = [m for m in inside if not m.is_country and ctx.tokens[m.start].clause == clause]
    pool = first or [m for m in inside if m.is_country]
    choice = _choose(pool, ctx)
    if choice is None or _rivals(choice[1]) or choice[1][0].score < SIDE_MIN_SCORE:
        return None
    return choice[1][0]


def _pair(mentions: list[Mention], tokens: list[Token]) -> Spans | None:
    """Two names joined by "and"/"or" ("Zarzis or Ben Gardane", "Bay of Bengal and Andaman
    Sea"): the location is at one or the other, so it is treated like "between"."""
    names = [m for m in mentions if not m.is_country]
    for a, b in zip(names, names[1:], strict=False):
        gap = tokens[a.end : b.start]
        if (
            len(gap) == 1
            and gap[0].norm in ("and", "or")
            and tokens[a.start].clause == gap[0].clause
        ):
            return ((a.start, a.end), (b.start, b.end))
    return None


def _between(
    result: GeocodeResult,
    mentions: list[Mention],
    spans: Spans,
    phrases: Phrases,
    ctx: Context,
    own_side: bool = False,
) -> GeocodeResult | None:
    """Midpoint of the two places of "between X and Y"; None when a side names nothing."""
    a = _side(mentions, spans[0], ctx, own_side)
    b = _side(mentions, spans[1], ctx, own_side)
    if a is None or b is None or a.place == b.place:
        return None
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
    candidates = [_candidate(a), _candidate(b)]
    reason = "midpoint of the two places; the radius covers both"
    out = _finish(result, mid, min(a.score, b.score) * 0.9, reason, candidates)
    if phrases.offshore or a.place.kind in KINDS_AT_SEA or b.place.kind in KINDS_AT_SEA:
        out.country = "at_sea"
    return out


def _apply(
    result: GeocodeResult, place: Place, score: float, phrases: Phrases, mention: Mention
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
    if phrases.desert and place.precision in ("locality", "site"):
        radius += DESERT_EXTRA_M
        notes.append("in the desert: the town is only a reference point")
        score *= 0.9
    if phrases.unspecified and place.kind == "country":
        notes.append("unspecified location within the country")
    moved = replace(place, lat=lat, lon=lon, uncertainty_m=radius)
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
