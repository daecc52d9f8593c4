"""The placement checks orchestrated in SQL: scope, readings, swaps, fixes, flags, report.

See :mod:`geo.quality` and docs/quality.md; the SQL is ``geo/sql/quality_*.sql``.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from geo.db import load_sql
from geo.geocode.regions import region_boxes
from geo.geocode.text import fold
from geo.quality import words
from geo.quality.fixes import apply_fixes, apply_withholds, fix_entry, withhold_entry
from geo.quality.literal import NUMBER, literal
from geo.quality.names import DESERT, preload_gazetteer, read
from geo.quality.report import QualityReport
from geo.quality.rules import (
    CHECKS,
    DROWNING_CAUSES,
    INLAND_KM,
    LAND_AT_SEA_KM,
    LAND_CAUSES,
    LAND_TOLERANCE_KM,
    REGION_TOLERANCE_KM,
    RIVER_BORDER_KM,
    SEA_TOLERANCE_KM,
)
from geo.report import ImportReport

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

    A swap is fixed when the text is precise or the flipped point lies inside a country the text
    names; on weaker evidence the point is withheld (the record placed at its named country or
    sea area, the source's point kept in ``review_geom``; docs/quality.md), so no public point is
    one the checks believe wrong. Works inside the caller's transaction (temporary tables are
    dropped at commit or rollback, or at the end of the pass). ``fix=False`` flags swapped
    coordinates with the suggested point instead of moving them; ``write=False`` computes
    everything and writes nothing (then ``fix`` only changes what is reported). ``staged``
    names a table of the import's ``(row_no, source_id)`` (its staging table) so warnings carry
    the file's row numbers.
    ``exhaustive`` reads every text with the gazetteer instead of only the texts the cheap
    reading leaves undecided (:mod:`geo.quality.literal`), and measures every record one by one
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
    # A flip is made when the text is precise enough to prove it, or when the flipped point lies
    # inside a country the text names (strong evidence, whatever else the record says). On
    # weaker evidence the point is withheld: the record is placed at the named country or sea
    # area and the source's point kept for review; with no such area, the swap is suggested.
    to_fix = [s for s in swaps if fix and (not s["coarse"] or s["strong"])]
    doubtful = [s for s in swaps if fix and s["coarse"] and not s["strong"]]
    fixed = [fix_entry(s) for s in to_fix]
    withheld = _withheld(conn, doubtful)
    moved = [e["id"] for e in fixed] + [e["id"] for e in withheld]
    suggest = [str(s["id"]) for s in swaps if str(s["id"]) not in moved]
    timings["checks"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if write and moved:
        if to_fix:
            apply_fixes(conn, to_fix, fixed)
        if withheld:
            apply_withholds(conn, withheld)
        conn.execute(
            sa.text("DELETE FROM quality_base WHERE id = ANY (CAST(:ids AS uuid[]))"),
            {"ids": moved},
        )
        again = load_sql("geo", "quality_base.sql").replace(
            "CREATE TEMP TABLE quality_base ON COMMIT DROP AS", "INSERT INTO quality_base"
        )
        conn.execute(sa.text(again), {**params, "only_ids": moved})
        after = _agreement(conn, decided)
    else:
        for entry in withheld:
            entry.pop("point")
        # a withheld record sits at a country its text names: it agrees, as a fixed one
        agreeing = {e["id"] for e in fixed} | {e["id"] for e in withheld if e["named"]}
        after = _agreement(conn, decided, fixed_ids=agreeing)
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
    if not write and moved:  # report what a fixing run would leave flagged
        flagged = [f for f in flagged if f["id"] not in moved]
    warnings = words.warnings(conn, fixed, flagged, staged, withheld=withheld)
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
        withheld=withheld,
        flagged=flagged,
        changed=sum(1 for r in rows if r.changed) + (len(moved) if write else 0),
        warnings=warnings,
        texts=texts,
        timings=timings,
    )


def _withheld(conn: Connection, swaps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The area each weakly evidenced swap is withheld at (quality_withhold_targets.sql); the
    swaps with no known area are left out (they stay suggested)."""
    if not swaps:
        return []
    targets = {
        str(r.id): dict(r._mapping)
        for r in conn.execute(
            sa.text(load_sql("geo", "quality_withhold_targets.sql")),
            {"ids": [str(s["id"]) for s in swaps]},
        )
    }
    entries = (withhold_entry(s, targets[str(s["id"])]) for s in swaps)
    return [e for e in entries if e is not None]


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
        preload = preload_gazetteer()
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
                "d": bool(DESERT.search(fold(key))),
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
        p = read(key)
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
