"""Running an import: one transaction, all or nothing, with a durable record of the attempt.

The ``import_runs`` row is committed first (status running) so that a failure can still be
recorded; the data work (validate, COPY into staging, merge, enrich, close the run) is one
transaction that either commits whole or leaves the database as it was. The connection doing
that work holds the run's advisory lock until the run is closed (``geo.importers.runlock``), so
a run left ``running`` by a killed process is recognised, and closed as failed, by the next
import.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from geo.db import load_sql, raw_cursor, sql
from geo.enrich import lookup_points
from geo.importers import runlock
from geo.importers.base import STAGE_COLUMNS, Issues, Parsed, SetupError
from geo.importers.geocoding import Geocoder, RowGeocoder
from geo.importers.stage import PartReader, open_rows
from geo.importers.text import UTF16_ERROR, open_text, sniff
from geo.report import ImportReport

log = logging.getLogger(__name__)

IMPORTERS = ("mmp", "csv", "geojson")
DROP_TEMP = (
    "DROP VIEW IF EXISTS pg_temp.import_final",
    "DROP FUNCTION IF EXISTS pg_temp.import_flags(jsonb, jsonb)",
    "DROP FUNCTION IF EXISTS pg_temp.import_review_state(text, jsonb, jsonb)",
    "DROP VIEW IF EXISTS pg_temp.import_enriched",
    "DROP VIEW IF EXISTS pg_temp.import_rows",
    "DROP TABLE IF EXISTS pg_temp.import_params, pg_temp.import_stage",
)
# Each staged line ends with its row_hash (geo.importers.copytext.hashed).
COPY_STAGE = f"COPY import_stage ({', '.join(STAGE_COLUMNS)}, row_hash) FROM STDIN"
# The incidents columns every merge path writes from import_final (import_merge_rows.sql), named
# once here and substituted for {columns} in import_merge*.sql, so the three statements cannot
# drift apart. The key (source, source_id) and quality_flags/review_state are written beside it.
MERGE_COLUMNS = (
    "row_hash", "import_run_id", "incident_type", "category",
    "event_date", "date_precision", "reported_date",
    "dead", "missing", "survivors", "injured", "pushed_back", "women", "men", "children",
    "cause", "location_text", "region_text", "route_text",
    "geom", "h3_cell", "h3_res", "location_precision", "uncertainty_m", "location_source",
    "precision_basis", "geocode",
    "origin_countries", "origin_region", "pushed_from", "pushed_to", "violence_types",
    "source_quality", "source_name", "source_url", "raw",
    "country", "border_id", "border_pair", "border_distance_km", "coast_distance_km",
    "corridor_id", "sea_area", "enriched_at", "updated_at",
)  # fmt: skip

# Bulk loads: drop the indexes, keys and foreign keys of incidents and build them again afterwards,
# from this many staged rows, when they are at least this share of the rows already there.
BULK_MIN_ROWS = 100_000
BULK_SHARE = 0.25
# Memory for this transaction only: staging stays in RAM, index builds sort in memory.
# temp_buffers can only change before the session's first temporary table; JIT compilation
# costs more than it saves on these one-pass statements.
SESSION_SETTINGS = """
SELECT set_config('work_mem', '64MB', true),
       set_config('jit', 'off', true),
       set_config('maintenance_work_mem', '512MB', true),
       CASE WHEN pg_my_temp_schema() = 0
            THEN set_config('temp_buffers', CAST(:temp_buffers AS text), true) END
"""
# The staging table takes about 2.6 times the file's size; temp_buffers is only an upper bound
# (buffers are allocated as the table grows), so a large file's staging stays in memory.
TEMP_BUFFERS_MIN = 256 * 2**20
TEMP_BUFFERS_MAX = 2 * 2**30


def _temp_buffers(path: Path) -> str:
    size = 3 * path.stat().st_size
    return f"{max(TEMP_BUFFERS_MIN, min(size, TEMP_BUFFERS_MAX)) // 2**20}MB"


Reader = Callable[[Path, str, Issues], Parsed]


class ImportAborted(sa.exc.OperationalError):
    """The import failed and the database could not even record the failure.

    An ``OperationalError`` (``orig`` is the driver's error), so callers that already handle an
    unreachable database handle this too; ``str()`` says what was and was not committed.
    """

    def __init__(self, message: str, orig: BaseException) -> None:
        super().__init__(message, None, orig)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass
class _Plan:
    source: str
    read: Reader | None
    setup_error: SetupError | None = None
    layout: str | None = None  # known before reading (csv: includes the mapping's checksum)
    geocoder: Geocoder | None = None  # None: the offline geocoder, loaded on first use
    read_part: PartReader | None = None  # reads one of two parts of a large file


def run_import(
    bind: Engine | Connection,
    *,
    importer: str,
    path: Path,
    source: str | None = None,
    mapping: Path | None = None,
    force: bool = False,
    geocoder: Geocoder | None = None,
) -> ImportReport:
    """Import one file. With an Engine the work is committed; with a Connection it happens in
    savepoints of the caller's transaction. A file already imported (same bytes, importer and
    source) is skipped unless ``force``.

    Rows without usable coordinates are geocoded from their location text with ``geocoder``
    (``(text, *, country, region) -> GeocodeResult``; default the offline ``geo.geocode``)."""
    started = time.perf_counter()
    if importer not in IMPORTERS:
        raise ValueError(f"unknown importer {importer!r}; expected one of {', '.join(IMPORTERS)}")
    path = Path(path)
    checksum, encoding = sniff(path)
    plan = _plan(importer, path, source, mapping)
    plan.geocoder = geocoder
    report = ImportReport(importer=importer, source=plan.source, file=str(path), checksum=checksum)
    if isinstance(bind, Engine):
        _with_engine(bind, report, plan, path, encoding, force)
    else:
        _with_connection(bind, report, plan, path, encoding, force)
    report.seconds = time.perf_counter() - started
    return report


def _plan(importer: str, path: Path, source: str | None, mapping: Path | None) -> _Plan:
    """Which reader and which source name; a bad mapping becomes a failed run, not a crash."""
    if importer == "mmp":
        from geo.importers import mmp

        return _Plan(
            source or mmp.SOURCE,
            lambda p, enc, issues: mmp.read(open_text(p, enc), issues, copy_text=True),
            read_part=mmp.read_part,
        )
    if importer == "geojson":
        from geo.importers import geojson

        return _Plan(source or path.stem, geojson.read)
    from geo.importers import csvmap

    if mapping is None:
        return _Plan(source or path.stem, None, SetupError("the csv importer needs --mapping"))
    try:
        spec = csvmap.load_mapping(Path(mapping))
    except SetupError as exc:
        return _Plan(source or path.stem, None, exc)
    return _Plan(
        source or spec.source,
        lambda p, enc, issues: csvmap.read(p, enc, issues, spec),
        layout=spec.layout,
    )


# Transactions ------------------------------------------------------------------------------


def _with_engine(
    engine: Engine, report: ImportReport, plan: _Plan, path: Path, encoding: str, force: bool
) -> None:
    with engine.connect() as conn:  # unreachable: SQLAlchemy's OperationalError, nothing begun
        _close_interrupted(conn)
        conn.commit()
        if not force and _skip_if_done(conn, report, plan):
            conn.rollback()
            return
        report.run_id = _start_run(conn, report)
        conn.commit()
        try:
            try:
                _work(conn, report, plan, path, encoding)
                conn.commit()
                _refresh_statistics(conn)
                return
            except Exception as exc:  # noqa: BLE001 - every failure is recorded, then reported
                error = exc
                try:
                    conn.rollback()
                except sa.exc.DBAPIError:
                    pass  # the connection is gone; the server rolled the transaction back
            _record_failure(report, error, lambda: engine.begin())
        finally:
            _release(conn, report.run_id)


def _refresh_statistics(conn: Connection) -> None:
    """Fresh planner statistics after a committed import: with stale ones (autovacuum off, or
    not yet run) PostgreSQL plans the public-event anti-join for a near-empty table, and a
    corridor's totals took 5 s instead of 20 ms on the 4,000-row sample."""
    conn.execute(sa.text("ANALYZE incidents"))
    conn.commit()


def _with_connection(
    conn: Connection, report: ImportReport, plan: _Plan, path: Path, encoding: str, force: bool
) -> None:
    _close_interrupted(conn)
    if not force and _skip_if_done(conn, report, plan):
        return
    with conn.begin_nested():
        report.run_id = _start_run(conn, report)
    try:
        _work_in_savepoint(conn, report, plan, path, encoding)
    finally:
        _release(conn, report.run_id)


def _work_in_savepoint(
    conn: Connection, report: ImportReport, plan: _Plan, path: Path, encoding: str
) -> None:
    savepoint = conn.begin_nested()
    try:
        _work(conn, report, plan, path, encoding)
        savepoint.commit()
        return
    except Exception as exc:  # noqa: BLE001
        error = exc
        try:
            savepoint.rollback()
        except sa.exc.DBAPIError as lost:
            raise ImportAborted(
                f"import of {path.name} failed ({_describe(error)}) and the connection is "
                f"unusable ({_describe(lost)}); nothing was committed",
                lost.orig or lost,
            ) from error
    _record_failure(report, error, lambda: _savepoint(conn))


def _start_run(conn: Connection, report: ImportReport) -> uuid.UUID:
    """Write the run row and take its lock in the same transaction, so no other import can see
    the row ``running`` without its lock held (it would close the run as interrupted)."""
    run_id = runlock.as_uuid(
        conn.execute(sql("geo", "import_run_start.sql"), _run_params(report)).scalar_one()
    )
    runlock.lock(conn, run_id)
    return run_id


def _close_interrupted(conn: Connection) -> None:
    for run_id in runlock.close_interrupted(conn):
        log.warning("import run %s was interrupted; marked failed", run_id)


def _release(conn: Connection, run_id: uuid.UUID | None) -> None:
    """Drop the run's lock once the run is closed. If that fails, the connection is closed
    instead: a pooled connection must not keep a dead run's lock (the server drops it)."""
    if run_id is None or conn.invalidated:
        return
    try:
        runlock.unlock(conn, run_id)
    except sa.exc.DBAPIError:
        conn.invalidate()


@contextmanager
def _savepoint(conn: Connection) -> Iterator[Connection]:
    with conn.begin_nested():
        yield conn


def _record_failure(
    report: ImportReport, error: Exception, begin: Callable[[], AbstractContextManager[Connection]]
) -> None:
    """Mark the run failed in its own short transaction; raise if even that is impossible."""
    report.status = "failed"
    report.error = _describe(error)
    report.inserted = report.updated = report.unchanged = 0
    if isinstance(error, sa.exc.DBAPIError | psycopg.Error):
        # Not the server's DETAIL: it can be the failing row, with its place to the last digit.
        log.error("import of %s failed: %s", report.file, report.error)
    elif not isinstance(error, SetupError):
        log.error("import of %s failed", report.file, exc_info=error)
    try:
        with begin() as conn:
            conn.execute(sql("geo", "import_run_finish.sql"), _finish_params(report))
    except sa.exc.DBAPIError as exc:
        raise ImportAborted(
            f"import of {Path(report.file).name} failed ({report.error}); nothing was committed, "
            f"and run {report.run_id} could not be marked failed because the database is "
            f"unreachable ({_describe(exc)})",
            exc.orig or exc,
        ) from error


def _describe(exc: BaseException) -> str:
    if isinstance(exc, sa.exc.DBAPIError) and exc.orig is not None:
        detail = _first_line(exc.orig)
        if exc.connection_invalidated:
            return f"database connection lost: {detail}"
        return f"database error: {detail}"
    if isinstance(exc, psycopg.OperationalError):
        return f"database connection lost: {_first_line(exc)}"
    if isinstance(exc, psycopg.Error):
        return f"database error: {_first_line(exc)}"
    if isinstance(exc, SetupError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _skip_if_done(conn: Connection, report: ImportReport, plan: _Plan) -> bool:
    prev = (
        conn.execute(
            sql("geo", "import_run_previous.sql"),
            {
                "checksum": report.checksum,
                "importer": report.importer,
                "source": report.source,
                "layout": plan.layout,
            },
        )
        .mappings()
        .first()
    )
    if prev is None:
        return False
    report.run_id = prev["id"]
    report.status = "succeeded"
    report.layout = prev["layout"]
    report.skipped_reason = f"already imported (run {prev['id']}); use --force to re-run"
    report.rows_read = prev["rows_read"]
    report.rejected = prev["rejected"]
    report.unchanged = prev["rows_read"] - prev["rejected"]
    report.rejections = list(prev["rejections"])
    report.warnings = list(prev["warnings"])
    return True


def _run_params(report: ImportReport) -> dict[str, Any]:
    return {
        "importer": report.importer,
        "source": report.source,
        "file_name": Path(report.file).name,
        "checksum": report.checksum,
    }


def _finish_params(report: ImportReport) -> dict[str, Any]:
    return {
        "run_id": report.run_id,
        "layout": report.layout,
        "status": report.status,
        "rows_read": report.rows_read,
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "rejected": report.rejected,
        "rejections": json.dumps(report.rejections, ensure_ascii=False),
        "warnings": json.dumps(report.warnings, ensure_ascii=False),
        "error": report.error,
    }


# The work ----------------------------------------------------------------------------------


def _work(conn: Connection, report: ImportReport, plan: _Plan, path: Path, encoding: str) -> None:
    issues = Issues()
    report.rejections, report.warnings = issues.rejections, issues.warnings
    try:
        _load(conn, report, plan, path, encoding, issues)
    except BaseException:
        # A failed run wrote nothing, but the rows read before the failure and their
        # rejections are reported (and stored) as they are listed, so the counts agree.
        _count_read(report, issues)
        raise


def _count_read(report: ImportReport, issues: Issues) -> None:
    report.rejected = len(issues.rejections)
    report.rows_read = issues.accepted + report.rejected


def _load(
    conn: Connection,
    report: ImportReport,
    plan: _Plan,
    path: Path,
    encoding: str,
    issues: Issues,
) -> None:
    if plan.setup_error is not None:
        raise plan.setup_error
    assert plan.read is not None and report.run_id is not None
    if encoding == "utf-16":
        raise SetupError(UTF16_ERROR)
    if encoding == "windows-1252":
        issues.warn(
            None, "file", "not valid UTF-8; read as Windows-1252/Latin-1", "decoded as Windows-1252"
        )
    elif encoding == "utf-8-sig":
        issues.warn(None, "file", "byte order mark (BOM) removed", "BOM removed")
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    conn.execute(sa.text(SESSION_SETTINGS), {"temp_buffers": _temp_buffers(path)})
    cursor = raw_cursor(conn)
    # A large file is read in a child process (COPY text is made there, in UTF-8); a large MMP
    # file in two, one per half.
    parallel = cursor.connection.info.encoding == "utf-8"
    with open_rows(
        plan.read, path, encoding, issues, parallel=parallel, read_part=plan.read_part
    ) as rows:
        report.layout = rows.layout
        _drop_temp(conn)
        conn.execute(sql("geo", "import_stage.sql"))
        with cursor.copy(COPY_STAGE) as copy:
            rows.copy_to(copy, RowGeocoder(plan.geocoder, issues).place)
    timings["parse_copy"] = time.perf_counter() - t0

    params = {"source": report.source, "run_id": report.run_id, "raw_keys": rows.raw_keys}
    # Statistics only for the columns plans join on; the other 35 would cost time, help no plan.
    conn.execute(sa.text("ANALYZE pg_temp.import_stage (source_id, lon, lat, row_no)"))
    conn.execute(sql("geo", "import_params.sql"), params)
    # Without statistics the one-row params table is guessed at 750 rows, and the merge sorts
    # 750 × the staged rows on disk instead of hashing.
    conn.execute(sa.text("ANALYZE pg_temp.import_params"))
    conn.execute(sql("geo", "import_rows.sql"))
    _rule_warnings(conn, issues)

    # Enrichment before the merge: the staged points are looked up (in parallel workers) and
    # the merge writes final values, so no UPDATE pass over the new rows follows.
    t0 = time.perf_counter()
    lookup = lookup_points(conn, load_sql("geo", "import_points.sql"))
    conn.execute(sa.text(load_sql("geo", "import_enriched.sql").replace("{result}", lookup.result)))
    conn.exec_driver_sql(load_sql("geo", "import_merge_rows.sql"))
    timings["enrich"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    rebuild = _drop_for_bulk(conn, issues.accepted, report.source)
    if rebuild and rebuild.source_stored:
        updated = conn.execute(_merge_sql("import_merge_bulk_update.sql")).rowcount
        inserted = conn.execute(_merge_sql("import_merge_bulk_insert.sql")).rowcount
    elif rebuild:  # a new source: nothing to update, every staged key new
        updated = 0
        inserted = conn.execute(_merge_sql("import_merge_bulk_insert_new.sql")).rowcount
    else:
        merged = conn.execute(_merge_sql("import_merge.sql")).one()
        inserted, updated = merged.inserted, merged.updated
    for ddl in rebuild.keys if rebuild else ():  # the checks below look records up by id
        conn.execute(sa.text(ddl))
    # Placement checks on the rows just merged, while their staged row numbers are at hand:
    # swaps fixed, the rest flagged, each one a warning (docs/quality.md). Not merge time.
    from geo.quality import check_import

    timings["checks"] = check_import(conn, report, staged="import_stage")
    t0 += timings["checks"]
    # Then precision from what the text says, on the (possibly fixed) points: an "Unspecified
    # location between Libya and Italy" is not a town (docs/import.md, "Precision from the text").
    from geo.precision import widen_precision

    widened = widen_precision(conn, import_run_id=report.run_id)
    report.precision = widened.to_dict()
    timings["precision"] = widened.seconds
    t0 += widened.seconds
    _drop_temp(conn)
    lookup.drop(conn)
    timings["merge"] = time.perf_counter() - t0
    if rebuild:
        t0 = time.perf_counter()
        for ddl in rebuild.rest:
            conn.execute(sa.text(ddl))
        timings["reindex"] = time.perf_counter() - t0
    report.inserted, report.updated = int(inserted), int(updated)
    report.unchanged = issues.accepted - report.inserted - report.updated
    _count_read(report, issues)
    report.enriched = report.inserted + report.updated
    report.timings = timings

    report.status = "succeeded"
    conn.execute(sql("geo", "import_run_finish.sql"), _finish_params(report))


def _rule_warnings(conn: Connection, issues: Issues) -> None:
    """The rows the staging rules of import_rows.sql change (unknown breakdowns, unknown
    incident types), found in one query over the staged rows, not in the readers' hot loops."""
    for w in conn.execute(sql("geo", "import_rule_warnings.sql")):
        issues.warn(w.row_no, w.field, w.message, w.kind)


def _source_stored(conn: Connection, source: str) -> bool:
    """Whether incidents holds any record of ``source`` (one probe of the natural key's index)."""
    return bool(
        conn.execute(
            sa.text("SELECT EXISTS (SELECT 1 FROM incidents WHERE source = :source)"),
            {"source": source},
        ).scalar_one()
    )


def _merge_sql(name: str) -> sa.TextClause:
    """A merge statement with the shared column list filled in."""
    return sa.text(
        load_sql("geo", name)
        .replace("{columns}", ", ".join(MERGE_COLUMNS))
        .replace("{excluded_columns}", ", ".join(f"EXCLUDED.{c}" for c in MERGE_COLUMNS))
        .replace("{r_columns}", ", ".join(f"r.{c}" for c in MERGE_COLUMNS))
    )


def _drop_temp(conn: Connection) -> None:
    for statement in DROP_TEMP:
        conn.execute(sa.text(statement))


@dataclass(frozen=True)
class _Rebuild:
    """What a bulk load dropped, as the DDL that restores it: the keys (right after the merge)
    and the rest (secondary indexes, then foreign keys, at the end)."""

    keys: list[str]
    rest: list[str]
    # whether incidents held any record of the import's source (else there is nothing to update,
    # and every staged key is new)
    source_stored: bool


def _drop_for_bulk(conn: Connection, staged: int, source: str) -> _Rebuild | None:
    """For a bulk load, drop the indexes, keys and foreign keys of incidents that the load would
    otherwise maintain row by row; return the DDL to restore them (None: not a bulk load).

    Maintaining ten indexes (one GiST) and two random-ordered keys row by row costs more than
    building them once when the load is a large share of the table. The drop is inside the
    import's transaction, so a failure restores them; readers of ``incidents`` wait until the
    import commits.
    """
    if staged < BULK_MIN_ROWS:
        return None
    existing = conn.execute(
        sa.text("SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'incidents'::regclass")
    ).scalar_one()
    if staged < BULK_SHARE * float(existing):
        return None
    # The lock the drops below would take anyway, taken first so that no other import can add
    # records of this source between the probe and the merge. Probed while the key's index is
    # still there: a new source has nothing to update (the UPDATE would still read every staged
    # row to find that out) and no key to avoid (nor the anti-join over the keys stored).
    conn.execute(sa.text("LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE"))
    source_stored = _source_stored(conn, source)
    indexes = conn.execute(sql("geo", "import_secondary_indexes.sql")).all()
    for index in indexes:
        conn.execute(sa.text(f'DROP INDEX "{index.name}"'))
    constraints = conn.execute(sql("geo", "import_constraints.sql")).all()
    for constraint in constraints:
        conn.execute(sa.text(f'ALTER TABLE incidents DROP CONSTRAINT "{constraint.name}"'))
    restore = {
        c.name: f'ALTER TABLE incidents ADD CONSTRAINT "{c.name}" {c.definition}'
        for c in constraints
    }
    return _Rebuild(
        keys=[restore[c.name] for c in constraints if c.kind == "k"],
        rest=[index.ddl for index in indexes]
        + [restore[c.name] for c in constraints if c.kind == "f"],
        source_stored=source_stored,
    )
