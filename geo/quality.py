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
import threading
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import lru_cache
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
from geo.quality_names import NUMBER, literal, route_words
from geo.report import ImportReport

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

# The flags these checks own in quality_flags (others, e.g. the importer's ambiguous_location,
# are left alone).
CHECKS = (
    "country_mismatch",
    "region_mismatch",
    "land_cause_at_sea",
    "drowning_inland",
    "swapped_coordinates",
)

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
        desert=bool(_DESERT.search(fold(text))),
        coarse=not locality or phrases.unspecified or phrases.between is not None or left_out,
    )


# Readings per text key, for every pass of the process (the gazetteer does not change).
_read = lru_cache(maxsize=65_536)(named_place)


def _preload_gazetteer() -> threading.Thread | None:
    """Start loading the gazetteer (~1 s of Python) while the database works on the scope and
    the cheap readings; None when it is loaded already."""
    if gazetteer.cache_info().currsize:
        return None
    thread = threading.Thread(target=gazetteer, name="quality-gazetteer", daemon=True)
    thread.start()
    return thread


@dataclass
class QualityReport:
    """What one pass found and did.

    ``agreement_before``/``agreement_after``: counts from geo/sql/quality_agreement.sql (and
    shares) before and after the fixes; ``fixed``: one entry per flipped record; ``flagged``:
    one entry per record with open flags; ``warnings``: import-report shaped
    (``{"row", "field", "message", "kind"}``), one per fix and per flagged record, naming
    countries, not coordinates; ``texts``: distinct text keys in scope and how many had to be
    read with the gazetteer; ``timings``: seconds per stage.
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
    texts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def flagged_by_check(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for row in self.flagged:
            counts.update({f["check"] for f in row["flags"]})
        return dict(sorted(counts.items()))

    def counts(self) -> dict[str, Any]:
        """The figures an import report carries: fixes, flagged records, by check, texts read."""
        keep = ("located", "named", "named_exact", "named_agree", "region_only", "region_agree")
        return {
            "fixed": len(self.fixed),
            "flagged": len(self.flagged),
            "flagged_by_check": self.flagged_by_check,
            "changed": self.changed,
            "agreement_before": {k: self.agreement_before[k] for k in keep},
            "agreement_after": {k: self.agreement_after[k] for k in keep},
            **self.texts,
        }

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["flagged_by_check"] = self.flagged_by_check
        out["timings"] = {k: round(v, 3) for k, v in self.timings.items()}
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
                f"  {row['source_id']}: {row['location_text']!r}"
                f" {row['country_before']} -> {row['country_after']}"
            )
        lines.append(f"records flagged: {len(self.flagged)}")
        for check, n in self.flagged_by_check.items():
            lines.append(f"  {check}: {n}")
        if self.texts:
            lines.append(
                f"texts: {self.texts['texts']} distinct,"
                f" {self.texts['read_with_gazetteer']} read with the gazetteer"
            )
        if not self.write:
            lines.append("dry run: nothing was written")
        return "\n".join(lines)


def _pct(share: float | None) -> str:
    return "n/a" if share is None else f"{100 * share:.1f} %"


_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


def check_placements(
    conn: Connection,
    *,
    import_run_id: uuid.UUID | None = None,
    fix: bool = True,
    write: bool = True,
    staged: str | None = None,
    exhaustive: bool = False,
) -> QualityReport:
    """Check the placements of one import run's incidents, or of all; fix swaps, flag the rest.

    Works inside the caller's transaction (temporary tables are dropped at commit or rollback,
    or at the end of the pass). ``fix=False`` flags swapped coordinates with the suggested point
    instead of flipping them; ``write=False`` computes everything and writes nothing (then
    ``fix`` only changes what is reported). ``staged`` names a table of the import's
    ``(row_no, source_id)`` (its staging table) so warnings carry the file's row numbers.
    ``exhaustive`` reads every text with the gazetteer instead of only the texts the cheap
    reading leaves undecided (:mod:`geo.quality_names`), and measures every record one by one
    instead of deciding whole groups (geo/sql/quality_decide.sql): slower, same result; tests
    compare.
    """
    if staged is not None and not _IDENTIFIER.match(staged):
        raise ValueError(f"not a table name: {staged!r}")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    run = str(import_run_id) if import_run_id is not None else None
    params = _params(run)
    # JIT compiling costs ~0.7 s a statement and buys nothing here (imports already turn it
    # off for their transaction); restored at the end.
    jit = conn.exec_driver_sql(
        "SELECT current_setting('jit'), set_config('jit', 'off', true)"
    ).scalar_one()
    texts, decided = _prepare(conn, params, exhaustive=exhaustive)
    timings["texts"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    conn.execute(sa.text(load_sql("geo", "quality_base.sql")), {**params, "only_ids": None})
    before = _agreement(conn, decided)
    swaps = [
        dict(r._mapping)
        for r in conn.execute(sa.text(load_sql("geo", "quality_swaps.sql")), params)
    ]
    # A flip is made only for texts precise enough to prove it; the rest are suggested.
    to_fix = [s for s in swaps if fix and not s["coarse"]]
    suggest = [str(s["id"]) for s in swaps if not fix or s["coarse"]]
    fixed = [_fix_entry(s) for s in to_fix]
    timings["checks"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if write and to_fix:
        _apply_fixes(conn, to_fix, fixed)
        ids = [str(s["id"]) for s in to_fix]
        conn.execute(
            sa.text("DELETE FROM quality_base WHERE id = ANY (CAST(:ids AS uuid[]))"), {"ids": ids}
        )
        again = load_sql("geo", "quality_base.sql").replace(
            "CREATE TEMP TABLE quality_base ON COMMIT DROP AS", "INSERT INTO quality_base"
        )
        conn.execute(sa.text(again), {**params, "only_ids": ids})
        after = _agreement(conn, decided)
    else:
        after = _agreement(conn, decided, fixed_ids={s["id"] for s in to_fix})
    timings["fixes"] = time.perf_counter() - t0
    t0 = time.perf_counter()
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
    warnings = _warnings(conn, fixed, flagged, staged)
    timings["flags"] = time.perf_counter() - t0
    _drop(conn)
    conn.execute(sa.text("SELECT set_config('jit', :jit, true)"), {"jit": jit})
    return QualityReport(
        import_run_id=run,
        fix=fix,
        write=write,
        agreement_before=before,
        agreement_after=after,
        fixed=fixed,
        flagged=flagged,
        changed=sum(1 for r in rows if r.changed) + (len(fixed) if write else 0),
        warnings=warnings,
        texts=texts,
        timings=timings,
    )


def check_import(conn: Connection, report: ImportReport, *, staged: str) -> float:
    """Run the checks on what one import just inserted or updated, in its transaction.

    Fixes and flags become warnings of ``report`` with the file's row numbers (from ``staged``,
    the import's staging table) and the figures ``report.placements``. Returns the seconds
    spent. An import that changed nothing costs one indexed count.
    """
    t0 = time.perf_counter()
    quality = check_placements(conn, import_run_id=report.run_id, staged=staged)
    report.warnings.extend(quality.warnings)
    report.placements = quality.counts()
    return time.perf_counter() - t0


def _params(run: str | None) -> dict[str, Any]:
    return {
        "import_run_id": run,
        "number": NUMBER,
        "land_causes": LAND_CAUSES,
        "drowning_causes": DROWNING_CAUSES,
        "land_tolerance_km": LAND_TOLERANCE_KM,
        "sea_tolerance_km": SEA_TOLERANCE_KM,
        "region_tolerance_km": REGION_TOLERANCE_KM,
        "land_at_sea_km": LAND_AT_SEA_KM,
        "inland_km": INLAND_KM,
        "river_border_km": RIVER_BORDER_KM,
        "own_checks": list(CHECKS),
    }


def _prepare(
    conn: Connection, params: dict[str, Any], *, exhaustive: bool
) -> tuple[dict[str, int], dict[str, int]]:
    """Group the records in scope (quality_groups), read what each distinct text key and region
    says (quality_texts, quality_regions), and read back the records of the groups that need
    per-row work (quality_scope). Returns the text counts and the agreement counts of the
    groups decided whole.

    Every key gets the cheap reading; the keys it leaves undecided (quality_undecided_groups.sql,
    then quality_undecided.sql for the records it cannot judge as a group), or all when
    ``exhaustive``, are read with the gazetteer (once per key and process). Its load starts in a
    thread as soon as there are texts, overlapping the SQL of the scope and the cheap readings.
    """
    _drop(conn)
    conn.exec_driver_sql(load_sql("geo", "quality_functions.sql"))
    preload = None
    if conn.execute(
        sa.text(
            "SELECT EXISTS (SELECT 1 FROM incidents WHERE location_text IS NOT NULL"
            " AND (CAST(:import_run_id AS uuid) IS NULL"
            " OR import_run_id = CAST(:import_run_id AS uuid)))"
        ),
        params,
    ).scalar_one():
        preload = _preload_gazetteer()
    _groups(conn, params)
    keys = [
        r[0]
        for r in conn.exec_driver_sql(
            "SELECT DISTINCT text_key FROM quality_groups WHERE text_key IS NOT NULL"
        )
    ]
    cheap = []
    for key in keys:
        lit = literal(key)
        cheap.append(
            {
                "t": key,
                "l": None if lit.countries is None else list(lit.countries),
                "n": lit.names_none,
                "d": bool(_DESERT.search(fold(key))),
            }
        )
    if cheap:
        conn.execute(
            sa.text(
                "INSERT INTO quality_texts (text_key, literal, names_none, desert_text)"
                " VALUES (:t, CAST(:l AS text[]), :n, :d)"
            ),
            cheap,
        )
    _regions(conn)
    _parts(conn)
    if exhaustive:
        undecided = keys
        conn.exec_driver_sql("UPDATE quality_groups SET wanted = true")  # every record measured
    else:
        undecided = [
            r[0]
            for r in conn.execute(sa.text(load_sql("geo", "quality_undecided_groups.sql")), params)
        ]
        _fetch(conn, params)
        seen = set(undecided)
        undecided += [
            r[0]
            for r in conn.execute(sa.text(load_sql("geo", "quality_undecided.sql")), params)
            if r[0] not in seen
        ]
    if undecided and preload is not None:
        preload.join()  # else left to finish: the next pass of this process will use it
    places = []
    for key in undecided:
        p = _read(key)
        places.append({"t": key, "n": list(p.countries), "s": p.sea, "w": p.water, "c": p.coarse})
    if places:
        conn.execute(
            sa.text(
                "UPDATE quality_texts SET named = CAST(:n AS text[]), sea_text = :s,"
                " water_text = :w, coarse_text = :c WHERE text_key = :t"
            ),
            places,
        )
    # Decided by the cheap reading: what it names is what counts (see quality_undecided.sql).
    conn.exec_driver_sql(
        "UPDATE quality_texts SET named = coalesce(literal, '{}'), sea_text = false,"
        " water_text = false, coarse_text = true WHERE named IS NULL"
    )
    _parts(conn)
    decided = dict(
        conn.execute(sa.text(load_sql("geo", "quality_decide.sql")), params).one()._mapping
    )
    _fetch(conn, params)
    texts = {"texts": len(keys), "read_with_gazetteer": len(places)}
    return texts, {k: int(v) for k, v in decided.items()}


def _groups(conn: Connection, params: dict[str, Any]) -> None:
    """The one pass over the scope (quality_groups.sql), hashed: the planner expects a group
    per record and would sort them all; the causes tested once each (quality_causes)."""
    sort = conn.exec_driver_sql(
        "SELECT current_setting('enable_sort'), set_config('enable_sort', 'off', true)"
    ).scalar_one()
    conn.execute(sa.text(load_sql("geo", "quality_groups.sql")), params)
    conn.execute(sa.text("SELECT set_config('enable_sort', :v, true)"), {"v": sort})
    conn.exec_driver_sql("ANALYZE quality_groups")
    conn.execute(
        sa.text(
            "CREATE TEMP TABLE quality_causes ON COMMIT DROP AS"
            " SELECT c.cause, c.cause ~* :land_causes AS land,"
            " c.cause ~* :drowning_causes AS drowning"
            " FROM (SELECT DISTINCT cause FROM quality_groups WHERE cause IS NOT NULL) c"
        ),
        params,
    )
    conn.exec_driver_sql(
        "CREATE TEMP TABLE quality_scope (id uuid, source_id text, geom geometry,"
        " country text, coast_km double precision, border_km double precision, cause text,"
        " location_text text, region_text text, review_state text, quality_flags jsonb,"
        " h3_res smallint, text_key text, land_cause_word boolean, drowning boolean, tid tid)"
        " ON COMMIT DROP"
    )
    conn.exec_driver_sql(
        "CREATE TEMP TABLE quality_texts (text_key text PRIMARY KEY, literal text[],"
        " names_none boolean, desert_text boolean, named text[], sea_text boolean,"
        " water_text boolean, coarse_text boolean) ON COMMIT DROP"
    )
    conn.exec_driver_sql(
        "CREATE TEMP TABLE quality_regions (region_text text PRIMARY KEY, boxes geometry,"
        " x0 double precision, x1 double precision, y0 double precision,"
        " y1 double precision) ON COMMIT DROP"
    )


def _fetch(conn: Connection, params: dict[str, Any]) -> None:
    """Read back the records of the groups just marked for per-row work (quality_scope.sql)."""
    if conn.exec_driver_sql(
        "SELECT EXISTS (SELECT 1 FROM quality_groups WHERE wanted AND NOT fetched)"
    ).scalar_one():
        conn.execute(sa.text(load_sql("geo", "quality_scope.sql")), params)
        conn.exec_driver_sql(
            "UPDATE quality_groups SET fetched = true WHERE wanted AND NOT fetched"
        )
        conn.exec_driver_sql("ANALYZE quality_scope")


def _parts(conn: Connection) -> None:
    """Copy the pieces of every country the texts name (and are not copied yet) to quality_parts."""
    added = conn.exec_driver_sql(
        "INSERT INTO quality_parts SELECT p.iso3, p.geom, ST_Envelope(p.geom) FROM country_parts p"
        " WHERE p.iso3 IN (SELECT unnest(coalesce(named, literal)) FROM quality_texts"
        " EXCEPT SELECT iso3 FROM quality_sizes)"
    ).rowcount
    if added:
        conn.exec_driver_sql(
            "INSERT INTO quality_sizes SELECT iso3, count(*) FROM quality_parts"
            " WHERE iso3 NOT IN (SELECT iso3 FROM quality_sizes) GROUP BY iso3"
        )
        conn.exec_driver_sql("ANALYZE quality_parts")


def _regions(conn: Connection) -> None:
    regions = []
    texts = conn.exec_driver_sql(
        "SELECT DISTINCT region_text FROM quality_groups WHERE region_text IS NOT NULL"
    )
    for (region,) in texts:
        boxes = region_boxes(region)
        if boxes:
            wkt = ", ".join(
                f"(({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))" for s, w, n, e in boxes
            )
            # one box: its edges, to decide a group whose points all lie inside without a
            # test per point (quality_decide.sql); several: every point is tested
            s, w, n, e = boxes[0] if len(boxes) == 1 else (None, None, None, None)
            regions.append(
                {"r": region, "g": f"MULTIPOLYGON({wkt})", "x0": w, "x1": e, "y0": s, "y1": n}
            )
    if regions:
        conn.execute(
            sa.text(
                "INSERT INTO quality_regions VALUES (:r, ST_GeomFromText(:g, 4326),"
                " :x0, :x1, :y0, :y1)"
            ),
            regions,
        )


def _drop(conn: Connection) -> None:
    conn.exec_driver_sql(
        "DROP TABLE IF EXISTS quality_base, quality_scope, quality_texts, quality_regions,"
        " quality_parts, quality_sizes, quality_groups, quality_causes"
    )
    conn.exec_driver_sql("DROP FUNCTION IF EXISTS pg_temp.quality_named_km(geometry, text[])")
    conn.exec_driver_sql("DROP FUNCTION IF EXISTS pg_temp.quality_box_km(geometry, geometry)")


def _agreement(
    conn: Connection, decided: dict[str, int], fixed_ids: set[Any] | None = None
) -> dict[str, Any]:
    """Agreement counts: the groups decided whole (``decided``) and quality_base, the records
    measured one by one; ``fixed_ids`` count as agreeing (dry-run estimate)."""
    row = dict(conn.execute(sa.text(load_sql("geo", "quality_agreement.sql"))).one()._mapping)
    row = {k: int(v) + decided[k] for k, v in row.items()}
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
        "named": list(swap["named"]),
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
    # enrich_update.sql rewrote every record at a flipped point, fixed or not: the flags are
    # written by row address (quality_flags.sql), so the others' addresses are read again too
    for table in ("quality_scope", "quality_base"):
        conn.exec_driver_sql(
            f"UPDATE {table} s SET tid = i.ctid FROM {tables.result} r, incidents i"
            " WHERE ST_X(s.geom) = r.x AND ST_Y(s.geom) = r.y AND i.id = s.id"
            " AND i.ctid <> s.tid"
        )
    tables.drop(conn)
    # the checks that follow read the fixed points
    conn.execute(
        sa.text(
            "UPDATE quality_scope s SET geom = i.geom, country = i.country, tid = i.ctid,"
            " coast_km = i.coast_distance_km, border_km = i.border_distance_km,"
            " quality_flags = i.quality_flags FROM incidents i"
            " WHERE s.id = i.id AND i.id = ANY (CAST(:ids AS uuid[]))"
        ),
        {"ids": ids},
    )
    after = conn.execute(
        sa.text("SELECT id, country FROM incidents WHERE id = ANY (CAST(:ids AS uuid[]))"),
        {"ids": ids},
    ).all()
    countries = {str(r.id): r.country for r in after}
    for entry in fixed:
        entry["country_after"] = countries.get(entry["id"])


def _warnings(
    conn: Connection,
    fixed: list[dict[str, Any]],
    flagged: list[dict[str, Any]],
    staged: str | None,
) -> list[dict[str, Any]]:
    """One warning per fix and per flagged record, in words and country names (no coordinates),
    with the file's row number when the import's staging table is given."""
    codes: set[str] = set()
    for entry in fixed:
        codes.update(c for c in (entry["country_before"], entry["country_after"]) if c)
        codes.update(entry["named"])
    for row in flagged:
        for flag in row["flags"]:
            codes.update(flag.get("named") or [])
            if flag.get("computed"):
                codes.add(flag["computed"])
    names: dict[str, str] = dict(
        conn.execute(
            sa.text("SELECT iso3, name FROM countries WHERE iso3 = ANY (:codes)"),
            {"codes": sorted(codes)},
        ).all()
    )
    rows: dict[str, int] = {}
    ids = [e["source_id"] for e in fixed] + [f["source_id"] for f in flagged]
    if staged is not None and ids:
        rows = dict(
            conn.execute(
                sa.text(
                    f"SELECT s.source_id, s.row_no FROM {staged} s"
                    " WHERE s.source_id IN (SELECT unnest(CAST(:ids AS text[])))"
                ),
                {"ids": ids},
            ).all()
        )

    def place(code: str | None) -> str:
        if code in (None, "at_sea"):
            return "at sea"
        return f"in {names.get(code, code)} ({code})"

    def warning(source_id: str, kind: str, message: str) -> dict[str, Any]:
        row = rows.get(source_id)
        if row is None:
            message = f"{source_id}: {message}"
        return {"row": row, "field": "coordinates", "message": message, "kind": kind}

    out = []
    for entry in fixed:
        after = entry["country_after"]
        named = entry["named"]
        agrees = "as the record names" if after in named else "near what the record names"
        out.append(
            warning(
                entry["source_id"],
                "latitude and longitude swapped: fixed",
                f"latitude and longitude swapped: fixed; now {place(after)}, {agrees}"
                f" (was {place(entry['country_before'])})",
            )
        )
    for row in flagged:
        for flag in row["flags"]:
            out.append(
                warning(
                    row["source_id"],
                    f"{flag['check'].replace('_', ' ')}: flagged for review",
                    _flag_message(flag, place) + "; flagged for review",
                )
            )
    return out


def _flag_message(flag: dict[str, Any], place: Any) -> str:
    check = flag["check"]
    if check == "country_mismatch":
        named = ", ".join(place(c).removeprefix("in ") for c in flag["named"])
        return (
            f"the point is {place(flag['computed'])}, {flag['distance_km']} km from"
            f" {named}, which the record names"
        )
    if check == "region_mismatch":
        return (
            f"the point is {place(flag['computed'])}, {flag['distance_km']} km outside the"
            f" record's region {flag['region']!r}"
        )
    if check == "land_cause_at_sea":
        return (
            f"cause {flag['cause']!r} but the point is at sea, {flag['coast_km']} km from any coast"
        )
    if check == "drowning_inland":
        return (
            f"cause {flag['cause']!r} but the point is {flag['coast_km']} km inland, with no"
            " river, lake or sea named and no land border near"
        )
    if check == "swapped_coordinates":
        return (
            "latitude and longitude look swapped (exchanged, the point fits the record's text),"
            " but the text is too vague to prove it: not fixed"
        )
    return check
