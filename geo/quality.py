"""Placement checks: swapped coordinates and impossible placements, fixed or flagged, never silent.

Runs after enrichment (``country``, ``coast_distance_km``, ``border_distance_km`` are read from
the incidents). The record's own words say where it should be: the countries its location text
names ("Bani Walid, Libya", "Pima County, Arizona" → USA, "off the coast of Zuwara, Libya"), or,
when it names none, its region ("North Africa"). Names are read in Python once per distinct text
with the offline gazetteer's tokeniser and name index (:mod:`geo.geocode`); every spatial test is
SQL over the whole set (``geo/sql/quality_*.sql``).

- **Swapped latitude/longitude**: the point disagrees with the text and the flipped point
  agrees → fixed when ``fix=True`` (geometry flipped, H3 cell recomputed, the row re-enriched
  with enrichment's own SQL), with a warning in the report and a ``fixed`` entry in
  ``quality_flags``; otherwise flagged with the suggested point.
- **Impossible placements** → flagged (``review_state = 'flagged'`` when still
  ``'unreviewed'``) with machine-readable reasons in ``quality_flags``: ``country_mismatch``,
  ``region_mismatch``, ``land_cause_at_sea``, ``drowning_inland``.

Re-running gives the same result: a fixed point agrees, a fixed record is never flipped again,
flags are recomputed and rows are written only when they change. See docs/quality.md.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo import h3index
from geo.db import load_sql
from geo.enrich import lookup_points
from geo.geocode.gazetteer import KINDS_AT_SEA, STOPWORDS, gazetteer
from geo.geocode.phrases import find_mentions, find_phrases
from geo.geocode.regions import region_boxes
from geo.geocode.text import fold, repair_mojibake, strip_boilerplate, tokenize

# A point this far outside every country its text names still agrees: border towns, coastal
# outlines cut at 1:10m, "near the border".
LAND_TOLERANCE_KM = 25.0
# A sea record (its text speaks of the sea, or the cause is drowning) at sea agrees this far from
# the countries it names: Central Mediterranean boats are reported "off Libya" up to ~100 nm out,
# and "between Libya and Italy" is never more than ~150 km from one of them.
SEA_TOLERANCE_KM = 200.0
# With no country named, a point this far outside the (rough) boxes of its region disagrees.
REGION_TOLERANCE_KM = 150.0
# A land cause (vehicle, train, shot, dehydration, desert...) this far from any coast at sea.
LAND_AT_SEA_KM = 50.0
# A drowning this far from any coast, with no water named in the text and not on a land border.
INLAND_KM = 50.0
# Border rivers (Rio Grande, Evros, Una) drown people inland: a drowning this close to a land
# border is accepted.
RIVER_BORDER_KM = 10.0

# Causes that only happen on land. Sickness, dehydration, starvation and exposure are left out:
# boats adrift for days (Atlantic route, Andaman Sea) kill people that way far from any coast.
LAND_CAUSES = r"vehicle|train|truck|\mcar\M|\mbus\M|\mshot\M|stabb|hit by|fall from|crushed|desert"
DROWNING_CAUSES = r"drown|shipwreck"

_WATER = re.compile(
    r"\b(?:river|rio|creek|canal|lake|lagoon|dam|reservoir|pond|arroyo|stream|swimming|pool"
    r"|swamp|marsh|wash|flood|channel|bay|beach|coast|shore|sea|waters?|harbou?r|port|island|strait|gulf"
    r"|bravo|grande|evros|maritsa|meric|una|kolpa|drina|sava|danube|naf|limpopo|nile|bank)\b"
)
_DESERT = re.compile(r"\b(?:desert|(?<!western )sahara|sonoran)\b")  # not the country
_WATER_KINDS = frozenset({"river", "canal", "sea", "strait"})
# Curated names that place a text in one country without naming it ("Pima County, Arizona").
_ADMIN_KINDS = frozenset({"admin", "county", "island", "region", "archipelago"})
# Names precise enough that a flipped point agreeing with them is a swap, not a coincidence.
_LOCALITY_KINDS = frozenset({"city", "town", "county", "admin", "island", "border_crossing"})


@dataclass(frozen=True)
class NamedPlace:
    """What a location text says about where it is.

    ``countries``: ADM0_A3 codes the text names as the place (destinations after "en route to"
    are left out), in text order; ``sea``: the text speaks of the sea ("off the coast of",
    "waters", a named sea); ``water``: it names any water a person can drown in inland (river,
    canal, lake, a border river); ``desert``: it names a desert; ``coarse``: it names no town
    or admin area, or says "unspecified" or "between" — a point anywhere in a wide area fits
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
        desert=bool(_DESERT.search(fold(text))),
        coarse=not locality or phrases.unspecified or phrases.between is not None,
    )


@dataclass
class QualityReport:
    """What one pass found and did.

    ``agreement_before``/``agreement_after``: counts from geo/sql/quality_agreement.sql (and
    shares) before and after the fixes; ``fixed``: one entry per flipped record; ``flagged``:
    one entry per record with open flags; ``warnings``: import-report shaped
    (``{"row", "field", "message", "kind"}``) so an importer can append them to its report.
    """

    import_run_id: str | None
    fix: bool
    write: bool
    agreement_before: dict[str, Any]
    agreement_after: dict[str, Any]
    fixed: list[dict[str, Any]] = field(default_factory=list)
    flagged: list[dict[str, Any]] = field(default_factory=list)
    changed: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)

    @property
    def flagged_by_check(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for row in self.flagged:
            counts.update({f["check"] for f in row["flags"]})
        return dict(sorted(counts.items()))

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["flagged_by_check"] = self.flagged_by_check
        return out

    def summary(self, examples: int = 10) -> str:
        """Lines for people: agreement before/after, fixes, flags by check, a few examples."""
        lines = []
        for label, stats in (("before", self.agreement_before), ("after", self.agreement_after)):
            lines.append(
                f"agreement {label:6}  named country: {stats['named_agree']}/{stats['named']}"
                f" ({_pct(stats['named_share'])}, exact {_pct(stats['named_exact_share'])});"
                f" region only: {stats['region_agree']}/{stats['region_only']}"
                f" ({_pct(stats['region_share'])})"
            )
        lines.append(f"swapped coordinates fixed: {len(self.fixed)}")
        for row in self.fixed[:examples]:
            lines.append(
                f"  {row['source_id']}: {row['location_text']!r} {row['from']} -> {row['to']}"
            )
        lines.append(f"records flagged: {len(self.flagged)}")
        for check, n in self.flagged_by_check.items():
            lines.append(f"  {check}: {n}")
        if not self.write:
            lines.append("dry run: nothing was written")
        return "\n".join(lines)


def _pct(share: float | None) -> str:
    return "n/a" if share is None else f"{100 * share:.1f} %"


def check_placements(
    conn: Connection,
    *,
    import_run_id: uuid.UUID | None = None,
    fix: bool = True,
    write: bool = True,
) -> QualityReport:
    """Check the placements of one import run's incidents, or of all; fix swaps, flag the rest.

    Works inside the caller's transaction (temporary tables are dropped at commit or rollback,
    or at the end of the pass). ``fix=False`` flags swapped coordinates with the suggested point
    instead of flipping them; ``write=False`` computes everything and writes nothing (then
    ``fix`` only changes what is reported).
    """
    run = str(import_run_id) if import_run_id is not None else None
    _prepare(conn, run)
    params = _params(run)
    conn.execute(sa.text(load_sql("geo", "quality_base.sql")), params)
    before = _agreement(conn)
    swaps = [
        dict(r._mapping)
        for r in conn.execute(sa.text(load_sql("geo", "quality_swaps.sql")), params)
    ]
    # A flip is made only for texts precise enough to prove it; the rest are suggested.
    to_fix = [s for s in swaps if fix and not s["coarse"]]
    suggest = [str(s["id"]) for s in swaps if not fix or s["coarse"]]
    fixed = [_fix_entry(s) for s in to_fix]
    if write and to_fix:
        _apply_fixes(conn, to_fix, fixed)
        conn.exec_driver_sql("DROP TABLE quality_base")
        conn.execute(sa.text(load_sql("geo", "quality_base.sql")), params)
        after = _agreement(conn)
    else:
        after = _agreement(conn, fixed_ids={s["id"] for s in to_fix})
    rows = conn.execute(
        sa.text(load_sql("geo", "quality_flags.sql")),
        {**params, "suggest_ids": suggest, "write": write},
    ).all()
    flagged = [
        {"id": str(r.id), "source_id": r.source_id, "review_state": r.new_state, "flags": r.flags}
        for r in rows
        if r.flags
    ]
    if not write and to_fix:  # report what a fixing run would leave flagged
        fixed_ids = {str(s["id"]) for s in to_fix}
        flagged = [f for f in flagged if f["id"] not in fixed_ids]
    _drop(conn)
    return QualityReport(
        import_run_id=run,
        fix=fix,
        write=write,
        agreement_before=before,
        agreement_after=after,
        fixed=fixed,
        flagged=flagged,
        changed=sum(1 for r in rows if r.changed) + (len(fixed) if write else 0),
        warnings=[_warning(f) for f in fixed],
    )


def _params(run: str | None) -> dict[str, Any]:
    return {
        "import_run_id": run,
        "land_causes": LAND_CAUSES,
        "drowning_causes": DROWNING_CAUSES,
        "land_tolerance_km": LAND_TOLERANCE_KM,
        "sea_tolerance_km": SEA_TOLERANCE_KM,
        "region_tolerance_km": REGION_TOLERANCE_KM,
        "land_at_sea_km": LAND_AT_SEA_KM,
        "inland_km": INLAND_KM,
        "river_border_km": RIVER_BORDER_KM,
    }


def _prepare(conn: Connection, run: str | None) -> None:
    """Temporary tables of what each distinct text and region says, and the helper functions."""
    _drop(conn)
    conn.exec_driver_sql(load_sql("geo", "quality_functions.sql"))
    texts = conn.execute(
        sa.text(
            "SELECT DISTINCT location_text, region_text FROM incidents WHERE geom IS NOT NULL"
            " AND (CAST(:run AS uuid) IS NULL OR import_run_id = CAST(:run AS uuid))"
        ),
        {"run": run},
    ).all()
    conn.exec_driver_sql(
        "CREATE TEMP TABLE quality_texts (location_text text PRIMARY KEY, named text[],"
        " sea_text boolean, water_text boolean, desert_text boolean, coarse_text boolean)"
        " ON COMMIT DROP"
    )
    conn.exec_driver_sql(
        "CREATE TEMP TABLE quality_regions (region_text text PRIMARY KEY, boxes geometry)"
        " ON COMMIT DROP"
    )
    places = []
    for text in sorted({t for t, _ in texts if t}):
        p = named_place(text)
        places.append(
            {
                "t": text,
                "n": list(p.countries),
                "s": p.sea,
                "w": p.water,
                "d": p.desert,
                "c": p.coarse,
            }
        )
    if places:
        conn.execute(
            sa.text("INSERT INTO quality_texts VALUES (:t, CAST(:n AS text[]), :s, :w, :d, :c)"),
            places,
        )
    regions = []
    for region in sorted({r for _, r in texts if r}):
        boxes = region_boxes(region)
        if boxes:
            wkt = ", ".join(
                f"(({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))" for s, w, n, e in boxes
            )
            regions.append({"r": region, "g": f"MULTIPOLYGON({wkt})"})
    if regions:
        conn.execute(
            sa.text("INSERT INTO quality_regions VALUES (:r, ST_GeomFromText(:g, 4326))"), regions
        )


def _drop(conn: Connection) -> None:
    conn.exec_driver_sql("DROP TABLE IF EXISTS quality_base, quality_texts, quality_regions")
    conn.exec_driver_sql("DROP FUNCTION IF EXISTS pg_temp.quality_named_km(geometry, text[])")
    conn.exec_driver_sql("DROP FUNCTION IF EXISTS pg_temp.quality_box_km(geometry, geometry)")


def _agreement(conn: Connection, fixed_ids: set[Any] | None = None) -> dict[str, Any]:
    """Agreement counts from quality_base; ``fixed_ids`` count as agreeing (dry-run estimate)."""
    row = dict(conn.execute(sa.text(load_sql("geo", "quality_agreement.sql"))).one()._mapping)
    if fixed_ids:
        extra = conn.execute(
            sa.text(
                "SELECT count(*) FILTER (WHERE cardinality(named) > 0),"
                " count(*) FILTER (WHERE cardinality(named) = 0)"
                " FROM quality_base WHERE id = ANY (CAST(:ids AS uuid[]))"
            ),
            {"ids": [str(i) for i in fixed_ids]},
        ).one()
        row["named_agree"] += extra[0]
        row["named_exact"] += extra[0]
        row["region_agree"] += extra[1]
    stats = {k: int(v) for k, v in row.items()}
    out: dict[str, Any] = dict(stats)
    out["named_share"] = _share(stats["named_agree"], stats["named"])
    out["named_exact_share"] = _share(stats["named_exact"], stats["named"])
    out["region_share"] = _share(stats["region_agree"], stats["region_only"])
    return out


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _fix_entry(swap: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(swap["id"]),
        "source_id": swap["source_id"],
        "location_text": swap["location_text"],
        "country_before": swap["country"],
        "country_after": swap["flipped_country"],  # re-enrichment replaces it when written
        "from": [round(swap["y"], 6), round(swap["x"], 6)],  # [lat, lon], as sources write
        "to": [round(swap["x"], 6), round(swap["y"], 6)],
        "distance_km_before": _km(
            swap["named_km"] if swap["named_km"] is not None else swap["region_km"]
        ),
        "distance_km_after": _km(swap["flipped_km"]),
    }


def _km(value: float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def _apply_fixes(
    conn: Connection, swaps: list[dict[str, Any]], fixed: list[dict[str, Any]]
) -> None:
    """Flip, recompute H3, re-enrich the flipped points with enrichment's own SQL."""
    updates = []
    for swap, entry in zip(swaps, fixed, strict=True):
        res = swap["h3_res"] if swap["h3_res"] is not None else h3index.DEFAULT_RES
        flag = {
            "check": "swapped_coordinates",
            "action": "fixed",
            "from": entry["from"],
            "to": entry["to"],
            "country_before": entry["country_before"],
        }
        # flipped: the new lon is the old lat (y), the new lat the old lon (x)
        updates.append(
            {
                "id": str(swap["id"]),
                "h3_cell": h3index.cell(swap["y"], swap["x"], res),
                "entry": json.dumps([flag]),
            }
        )
    conn.execute(sa.text(load_sql("geo", "quality_fix.sql")), updates)
    # Enrichment's own per-point lookup and update rules, for the flipped points only.
    ids = [u["id"] for u in updates]
    tables = lookup_points(conn, load_sql("geo", "quality_reenrich.sql"), {"ids": ids})
    conn.execute(
        sa.text(load_sql("geo", "enrich_update.sql").replace("{result}", tables.result)),
        {"import_run_id": None},
    )
    tables.drop(conn)
    after = conn.execute(
        sa.text("SELECT id, country FROM incidents WHERE id = ANY (CAST(:ids AS uuid[]))"),
        {"ids": ids},
    ).all()
    countries = {str(r.id): r.country for r in after}
    for entry in fixed:
        entry["country_after"] = countries.get(entry["id"])


def _warning(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "row": None,
        "field": "coordinates",
        "kind": "swapped coordinates",
        "message": (
            f"{entry['source_id']}: latitude and longitude exchanged for {entry['location_text']!r}"
            f" ({entry['from'][0]}, {entry['from'][1]} -> {entry['to'][0]}, {entry['to'][1]};"
            f" country {entry['country_before']} -> {entry.get('country_after', '?')})"
        ),
    }
