"""What every importer shares: the staging row shape, issue collection, count parsing.

An importer turns a file into staged rows (lists in ``STAGE_COLUMNS`` order) and records what it
rejected or changed in ``Issues``; the runner does the database work.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

# People counts an incident may carry, in staging order.
COUNT_FIELDS = (
    "dead",
    "missing",
    "survivors",
    "injured",
    "pushed_back",
    "women",
    "men",
    "children",
)
# Order of the values in a staged row; must match geo/sql/import_stage.sql.
STAGE_COLUMNS = (
    "row_no",
    "source_id",
    "incident_type",
    "category",
    "event_date",
    "date_precision",
    "reported_date",
    *COUNT_FIELDS,
    "cause",
    "location_text",
    "region_text",
    "route_text",
    "lon",
    "lat",
    "h3_cell",
    "h3_res",
    "location_precision",
    "uncertainty_m",
    "location_source",
    "geocode",
    "location_flag",
    "origin_countries",
    "origin_region",
    "pushed_from",
    "pushed_to",
    "violence_types",
    "source_quality",
    "source_name",
    "source_url",
    "raw_cells",
    "raw_json",
)
LIST_SEP = "\x1f"  # joins list values and raw cells in staging; removed from input text
CATEGORIES = frozenset({"death", "disappearance", "pushback", "violence", "detention", "other"})
NULL_TEXT = frozenset({"", "NULL", "null", "Null", "N/A", "n/a", "NA", "None", "none", "#N/A"})
MAX_COUNT = 1_000_000  # no single record has more people; larger is a typo or a unit mix-up


class RowError(ValueError):
    """This row cannot be imported; ``str(exc)`` is the reason shown to the user."""

    def __init__(self, reason: str, kind: str | None = None) -> None:
        super().__init__(reason)
        self.kind = kind or reason


class SetupError(ValueError):
    """The file (or mapping) as a whole cannot be imported; nothing is read."""


class NaturalKeys:
    """The ``source_id`` of each row of one file: its own id when it has one, else a hash of its
    content plus its occurrence among identical rows. Identical rows can be distinct deaths
    (Pima County), so they are numbered, never collapsed; a re-import gives the same keys.

    With ``track`` (the later part of a file read in two, ``geo.importers.split``) the keys also
    record which rows they were given to, so that they can be renumbered after the earlier
    part's: the rows of each content digest, the rows rejected as duplicate ids.
    """

    def __init__(self, *, track: bool = False) -> None:
        self._ids: dict[str, int] = {}
        self._hashes: dict[str, int] = {}
        self.track = track
        self.first_rows: dict[str, int] = {}  # digest -> row of its first occurrence
        self.later_rows: list[tuple[int, str]] = []  # (row, digest) of its other occurrences
        self.duplicates: list[tuple[int, str]] = []  # (row, id) rejected as a duplicate
        self.id_terms = ("id", "row", "")  # from_id's label, unit and kind

    @property
    def ids(self) -> dict[str, int]:
        """Each id given, with the row it first appeared on."""
        return self._ids

    @property
    def digests(self) -> dict[str, int]:
        """Each content digest given, with its number of occurrences."""
        return self._hashes

    def from_id(
        self, ident: str, row: int, *, label: str = "id", unit: str = "row", kind: str = ""
    ) -> str:
        first = self._ids.setdefault(ident, row)
        if self.track:
            self.id_terms = (label, unit, kind)
        if first != row:
            if self.track:
                self.duplicates.append((row, ident))
            raise duplicate_id(ident, first, label, unit, kind)
        return ident

    def from_content(self, content: bytes) -> str:
        digest = hashlib.blake2b(content, digest_size=12).hexdigest()
        nth = self._hashes[digest] = self._hashes.get(digest, 0) + 1
        return f"{digest}-{nth}"

    def content_function(self, prefix: bytes) -> Callable[[bytes, int], str]:
        """``from_content(prefix + content)`` for the ``row`` in per-row loops: the prefix is
        hashed once."""
        start = hashlib.blake2b(prefix, digest_size=12)
        copy, hashes = start.copy, self._hashes

        track, first_rows, later_rows = self.track, self.first_rows, self.later_rows

        def key(content: bytes, row: int) -> str:
            h = copy()
            h.update(content)
            digest = h.hexdigest()
            nth = hashes[digest] = hashes.get(digest, 0) + 1
            if track:
                if nth == 1:
                    first_rows[digest] = row
                else:
                    later_rows.append((row, digest))
            return f"{digest}-{nth}"

        return key


def duplicate_id(ident: str, first: int, label: str, unit: str, kind: str) -> RowError:
    """The rejection of a row whose id was first given on ``first``."""
    return RowError(
        f"duplicate {label} {ident!r} (first at {unit} {first})", kind or f"duplicate {label}"
    )


@dataclass
class Issues:
    """Rejections and warnings, with row numbers as the user sees them."""

    rejections: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    accepted: int = 0

    def reject(self, row: int, reason: str, kind: str | None = None) -> None:
        self.rejections.append({"row": row, "reason": reason, "kind": kind or reason})

    def warn(self, row: int | None, fld: str, message: str, kind: str | None = None) -> None:
        self.warnings.append(
            {"row": row, "field": fld, "message": message, "kind": kind or message}
        )


@dataclass
class Parsed:
    """An importer's output: the recognised layout, raw column names, staged rows (lazy).

    With ``copy_text`` some rows come as their COPY line (``str``) instead of a list.
    """

    layout: str
    raw_keys: list[str]
    rows: Iterator[Any]
    copy_text: bool = False


MISSING = object()
INTS: dict[str, Any] = {str(i): i for i in range(10_000)}
INTS.update(dict.fromkeys(NULL_TEXT))
# "1,234", "1'234", "1 234"; French spreadsheets separate with a (narrow) no-break space.
_THOUSANDS = re.compile(r"^\d{1,3}(?:[,.' \u00a0\u202f]\d{3})+$")


def count(text: str, name: str, row: int, issues: Issues, *, strict: bool) -> int | None:
    """A people count. ``strict`` (dead/missing/total): a bad value rejects the row; otherwise
    it is dropped with a warning."""
    value = INTS.get(text, MISSING)
    if value is not MISSING:
        return value
    s = text.strip()
    value = INTS.get(s, MISSING)
    if value is not MISSING:
        return value
    problem: str
    try:
        number = float(s)
    except ValueError:
        if _THOUSANDS.match(s):
            parsed = int(re.sub(r"\D", "", s))
            issues.warn(row, name, f"read {s!r} as {parsed}", "thousands separator removed")
            return parsed
        problem = f"{name} {s!r} is not a number"
    else:
        if number != number or number in (float("inf"), float("-inf")):
            problem = f"{name} {s!r} is not a number"
        elif number < 0:
            problem = f"{name} is negative ({s})"
        elif not number.is_integer():
            problem = f"{name} {s!r} is not a whole number"
        elif number > MAX_COUNT:
            problem = f"{name} {s} is implausibly large"
        else:
            return int(number)
    if strict:
        raise RowError(problem, f"bad {name}")
    issues.warn(row, name, f"{problem}; left empty", "bad count left empty")
    return None


class CsvRows:
    """A CSV reader that knows where each record starts.

    ``header`` is the first record; iterating gives ``(row, cells)`` for every non-blank record,
    where ``row`` is the file line the record starts on (header = 1), right across quoted line
    breaks.
    """

    def __init__(self, stream: Iterable[str], delimiter: str = ",") -> None:
        self.reader = csv.reader(stream, delimiter=delimiter, strict=False)
        try:
            first = next(self.reader, None)
        except csv.Error as exc:
            raise csv_failure(exc, self.reader.line_num) from None
        if first is None:
            raise SetupError("the file is empty")
        self.header = [h.strip() for h in first]
        self.header_lines = self.reader.line_num

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        reader = self.reader
        last = self.header_lines
        for cells in csv_checked(reader, reader):
            start = last + 1
            last = reader.line_num
            if cells and (len(cells) > 1 or cells[0].strip()):
                yield start, cells


T = TypeVar("T")


def csv_failure(exc: csv.Error, line: int) -> SetupError:
    """A CSV syntax error as the whole file's failure (the reader cannot resync after it),
    naming the line it stopped at; ``csv`` only gives up on a field over its size limit, which
    is what a quote that is never closed makes of the rest of the file."""
    hint = "; is a quoted field never closed?" if "field limit" in str(exc) else ""
    return SetupError(f"not readable as CSV at line {line}: {exc}{hint}")


def csv_checked(rows: Iterable[T], reader: Any, line_offset: int = 0) -> Iterator[T]:
    """``rows`` (read by the ``csv`` ``reader``), a CSV syntax error becoming ``SetupError``."""
    try:
        yield from rows
    except csv.Error as exc:
        raise csv_failure(exc, reader.line_num + line_offset) from None


def check_unique(header: list[str], used: Iterable[str], key: Callable[[str], str] = str) -> None:
    """``SetupError`` when a column the import reads is in the header more than once: which of
    them holds the data would be a guess."""
    seen = Counter(key(h) for h in header)
    repeated = sorted({c for c in used if seen[key(c)] > 1})
    if repeated:
        raise SetupError(
            "the header has more than one column named "
            + ", ".join(repr(c) for c in repeated)
            + "; rename or remove the extra one"
        )


def fit(cells: list[str], width: int, row: int, issues: Issues) -> list[str]:
    """Cells padded/trimmed to the header width, or ``RowError`` when the row is not a record."""
    n = len(cells)
    if n > width and not any(c.strip() for c in cells[width:]):
        return cells[:width]
    if n != width:
        raise RowError(f"row has {n} field(s), the header has {width}", "wrong number of fields")
    return cells
