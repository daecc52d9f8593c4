"""Any CSV, given a TOML mapping from our fields to its columns (NGO logs, pushback reports).

The mapping is validated before a single row is read: unknown fields, columns the file does
not have and contradictory settings are errors that name the fix.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo import h3index
from geo.coords import CoordinateError, parse_point
from geo.dates import DateError, parse_day
from geo.importers.base import (
    CATEGORIES,
    COUNT_FIELDS,
    LIST_SEP,
    MAX_COUNT,
    NULL_TEXT,
    CsvRows,
    Issues,
    NaturalKeys,
    Parsed,
    RowError,
    SetupError,
    check_unique,
    count,
    fit,
)
from geo.importers.location import (
    PRECISIONS,
    SOURCE_DEFAULT_M,
    Inferred,
    given,
    text_decimals,
)
from geo.importers.text import fix_mojibake, open_text

STRICT_COUNTS = frozenset({"dead", "missing", "pushed_back"})
TEXT_FIELDS = (
    "incident_type",
    "cause",
    "location_text",
    "region_text",
    "route_text",
    "origin_region",
    "source_quality",
    "source_name",
    "source_url",
)
LIST_FIELDS = ("origin_countries", "violence_types")
COUNTRY_FIELDS = ("pushed_from", "pushed_to")
PLACE_FIELDS = ("lat", "lon", "coordinates")
PRECISION_FIELDS = ("location_precision", "uncertainty_m")  # the source's own, when it has them
DATE_FIELDS = ("event_date", "reported_date")
FIELDS = frozenset(
    ("category",)
    + COUNT_FIELDS
    + TEXT_FIELDS
    + LIST_FIELDS
    + COUNTRY_FIELDS
    + PLACE_FIELDS
    + PRECISION_FIELDS
    + DATE_FIELDS
)
TOP_LEVEL = frozenset(
    {"source", "id_column", "date_format", "delimiter", "list_separator", "columns", "constants"}
)
Getter = Callable[[str], str | None]
_ISO3 = re.compile(r"^[A-Z]{3}$")
_SOURCE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@dataclass
class Mapping:
    source: str
    columns: dict[str, str]
    constants: dict[str, Any] = field(default_factory=dict)
    id_column: str | None = None
    date_format: str | None = None
    delimiter: str = ","
    list_separator: str = ";"
    fingerprint: str = ""  # of the mapping file: a changed mapping is a different import

    @property
    def layout(self) -> str:
        return (
            f"mapping:{self.source}@{self.fingerprint}"
            if self.fingerprint
            else (f"mapping:{self.source}")
        )


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file; ``SetupError`` with every problem found."""
    try:
        body = path.read_bytes()
        data = tomllib.loads(body.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SetupError(f"mapping {path.name}: cannot read TOML ({exc})") from None
    mapping = parse_mapping(data, path.name)
    mapping.fingerprint = hashlib.sha256(body).hexdigest()[:12]
    return mapping


def parse_mapping(data: dict[str, Any], name: str = "mapping") -> Mapping:
    problems: list[str] = []
    unknown = sorted(set(data) - TOP_LEVEL)
    if unknown:
        problems.append(f"unknown setting(s) {', '.join(unknown)}; allowed: {_list(TOP_LEVEL)}")
    source = data.get("source")
    if not isinstance(source, str) or not _SOURCE.match(source):
        problems.append("'source' must be a short lowercase name like 'ngo-pushback-log'")
    columns = data.get("columns")
    constants = data.get("constants", {})
    if not isinstance(columns, dict) or not columns:
        problems.append("[columns] must map at least one field to a column name")
        columns = {}
    if not isinstance(constants, dict):
        problems.append("[constants] must be a table")
        constants = {}
    for section, table in (("columns", columns), ("constants", constants)):
        bad = sorted(set(table) - FIELDS)
        if bad:
            problems.append(
                f"unknown field(s) in [{section}]: {', '.join(bad)}; known fields: {_list(FIELDS)}"
            )
    for target, column in columns.items():
        if not isinstance(column, str) or not column.strip():
            problems.append(f"[columns] {target} must be a column name (a string)")
    if ("lat" in columns) != ("lon" in columns):
        problems.append("[columns] needs both lat and lon, or neither")
    if "coordinates" in columns and "lat" in columns:
        problems.append("[columns] has both coordinates and lat/lon; use one")
    if "event_date" not in columns and "event_date" not in constants:
        problems.append("[columns] needs event_date (the column holding the date)")
    if "category" not in columns and "category" not in constants:
        problems.append("set a category: a [columns] category column or a [constants] category")
    category = constants.get("category")
    if category is not None and category not in CATEGORIES:
        problems.append(f"[constants] category {category!r} is not one of {_list(CATEGORIES)}")
    for key in COUNT_FIELDS:
        value = constants.get(key)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT
        ):  # else every row would be rejected, or the count left empty, for it
            problems.append(f"[constants] {key} must be a whole number from 0 to {MAX_COUNT}")
    for key in COUNTRY_FIELDS:
        value = constants.get(key)
        if value is not None and not (isinstance(value, str) and _ISO3.match(value)):
            problems.append(f"[constants] {key} must be an ISO3 code like 'HRV'")
    value = constants.get("location_precision")
    if value is not None and value not in PRECISIONS:
        problems.append(f"[constants] location_precision must be one of {', '.join(PRECISIONS)}")
    value = constants.get("uncertainty_m")
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 2e7
    ):
        problems.append("[constants] uncertainty_m must be a radius in metres ≥ 0")
    for key in ("id_column", "date_format", "delimiter", "list_separator"):
        if key in data and not isinstance(data[key], str):
            problems.append(f"'{key}' must be a string")
    if isinstance(data.get("delimiter"), str) and len(data["delimiter"]) != 1:
        problems.append("'delimiter' must be one character")
    if isinstance(data.get("date_format"), str) and not _date_format_ok(data["date_format"]):
        problems.append(
            f"'date_format' {data['date_format']!r} is not a strptime format (e.g. '%d/%m/%Y')"
        )
    if problems:
        raise SetupError(f"mapping {name}: " + "; ".join(problems))
    return Mapping(
        source=str(source),
        columns={k: v.strip() for k, v in columns.items()},
        constants=dict(constants),
        id_column=data.get("id_column"),
        date_format=data.get("date_format"),
        delimiter=data.get("delimiter", ","),
        list_separator=data.get("list_separator", ";"),
    )


def _date_format_ok(fmt: str) -> bool:
    """Whether strptime takes ``fmt`` (a bad directive would reject every row as a bad date)."""
    try:
        dt.datetime.strptime(dt.date(2021, 12, 31).strftime(fmt), fmt)
    except ValueError:
        return False
    return True


def _list(names: frozenset[str]) -> str:
    return ", ".join(sorted(names))


def read(path: Path, encoding: str, issues: Issues, mapping: Mapping) -> Parsed:
    rows = CsvRows(open_text(path, encoding), mapping.delimiter)
    index = {h: i for i, h in enumerate(rows.header)}
    wanted = dict(mapping.columns)
    if mapping.id_column:
        wanted["id_column"] = mapping.id_column
    absent = [f"{col!r} (for {target})" for target, col in wanted.items() if col not in index]
    if absent:
        raise SetupError(
            f"the file has no column {', '.join(absent)}; its columns are: "
            + ", ".join(repr(h) for h in rows.header)
        )
    check_unique(rows.header, wanted.values())
    cols = {target: index[col] for target, col in mapping.columns.items()}
    id_index = index[mapping.id_column] if mapping.id_column else -1
    return Parsed(mapping.layout, rows.header, _rows(rows, cols, id_index, mapping, issues))


def _rows(
    rows: CsvRows, cols: dict[str, int], id_index: int, mapping: Mapping, issues: Issues
) -> Iterator[list[Any]]:
    width = len(rows.header)
    const = mapping.constants
    keys = NaturalKeys()
    sep = mapping.list_separator
    infer = Inferred(SOURCE_DEFAULT_M["csv"])
    for row, cells in rows:
        try:
            if len(cells) != width:
                cells = fit(cells, width, row, issues)
            raw = LIST_SEP.join(cells)
            if raw.count(LIST_SEP) != width - 1 or "\x00" in raw:
                raise RowError("row contains control characters (NUL/unit separator)")
            if not raw.isascii():
                fixed = [fix_mojibake(c) for c in cells]
                for k, (before, after) in enumerate(zip(cells, fixed, strict=True)):
                    if before != after:
                        issues.warn(
                            row,
                            rows.header[k],
                            f"repaired mojibake: {after!r}",
                            "mojibake repaired",
                        )
                cells = fixed

            get = _getter(cells, cols, const)
            values: dict[str, Any] = counts(get, row, issues)
            category = category_of(get)
            date_text = get("event_date")
            if date_text is None:
                raise RowError("no date", "no date")
            try:
                event_date = parse_day(date_text, mapping.date_format)
                reported_text = get("reported_date")
                reported = parse_day(reported_text, mapping.date_format) if reported_text else None
            except DateError as exc:
                raise RowError(str(exc), "bad date") from None
            point = _point(get, row, issues)
            located = (
                given(
                    get("location_precision"),
                    get("uncertainty_m"),
                    _decimals(get),
                    infer,
                    row,
                    issues,
                )
                if point
                else None
            )
            values.update(country_codes(get, row, issues))
            for name in LIST_FIELDS:
                s = get(name)
                items = [x.strip() for x in s.split(sep)] if s else []
                values[name] = LIST_SEP.join(x for x in items if x) or None
            for name in TEXT_FIELDS:
                values[name] = get(name)
            ident = cells[id_index].strip() if id_index >= 0 else ""
            if ident and ident not in NULL_TEXT:  # "NULL", "N/A": no id, as in any other cell
                source_id = keys.from_id(
                    ident, row, label=str(mapping.id_column), kind="duplicate id"
                )
            else:
                source_id = keys.from_content(LIST_SEP.join(cells).encode())
        except RowError as exc:
            issues.reject(row, str(exc), exc.kind)
            continue
        issues.accepted += 1
        lon, lat = point if point else (None, None)
        precision, uncertainty, res = located if located else (None, None, None)
        cell = h3index.cell(*point, res) if point and res is not None else None
        v = values
        yield [
            row, source_id, v["incident_type"], category, event_date, "day", reported,
            v["dead"], v["missing"], v["survivors"], v["injured"], v["pushed_back"],
            v["women"], v["men"], v["children"],
            v["cause"], v["location_text"], v["region_text"], v["route_text"],
            lon, lat, cell, res, precision, uncertainty, "source" if point else None, None, None,
            v["origin_countries"], v["origin_region"], v["pushed_from"], v["pushed_to"],
            v["violence_types"], v["source_quality"], v["source_name"], v["source_url"],
            raw, None,
        ]  # fmt: skip


def counts(get: Getter, row: int, issues: Issues) -> dict[str, int | None]:
    """Every people count a row gives, checked (shared with the GeoJSON importer)."""
    values: dict[str, int | None] = {}
    for name in COUNT_FIELDS:
        s = get(name)
        values[name] = (
            None if s is None else count(s, name, row, issues, strict=name in STRICT_COUNTS)
        )
    return values


def category_of(get: Getter) -> str:
    """The row's category, which must be one we know; no guessing."""
    category = (get("category") or "").lower()
    if category not in CATEGORIES:
        raise RowError(
            f"category {category!r} is not one of {_list(CATEGORIES)}"
            if category
            else "no category",
            "bad category",
        )
    return category


def country_codes(get: Getter, row: int, issues: Issues) -> dict[str, str | None]:
    """Pushed-from/-to countries as ISO3; anything else is left empty with a warning."""
    codes: dict[str, str | None] = {}
    for name in COUNTRY_FIELDS:
        s = get(name)
        if s is not None and not _ISO3.match(s.upper()):
            issues.warn(
                row, name, f"{s!r} is not an ISO3 country code; left empty", "not an ISO3 code"
            )
            s = None
        codes[name] = s.upper() if s else None
    return codes


def _getter(cells: list[str], cols: dict[str, int], const: dict[str, Any]) -> Getter:
    """Field value from its column, or the mapping's constant when the cell is empty."""

    def get(target: str) -> str | None:
        i = cols.get(target, -1)
        s = cells[i].strip() if i >= 0 else ""
        if s and s not in NULL_TEXT:
            return s
        value = const.get(target)
        return None if value is None else str(value)

    return get


def _point(get: Getter, row: int, issues: Issues) -> tuple[float, float] | None:
    lat, lon = get("lat"), get("lon")
    try:
        if lat is not None and lon is not None:
            point = parse_point(f"{lat}; {lon}")
        elif lat is not None or lon is not None:
            point = _pair_in_one(lat or lon or "", row, issues)
        else:
            point = parse_point(get("coordinates"))
    except CoordinateError as exc:
        raise RowError(f"coordinates: {exc}", "bad coordinates") from None
    if point is None:
        issues.warn(row, "coordinates", "no coordinates given", "no coordinates")
    return point


def _pair_in_one(text: str, row: int, issues: Issues) -> tuple[float, float] | None:
    """``lat, lon`` written in the latitude (or longitude) column, the other one empty: the
    pair, with a warning. Only with decimal points: ``45,18`` may be one decimal-comma number."""
    if "." not in text or text_decimals(text) is None:
        raise RowError("only one of latitude/longitude given", "bad coordinates")
    point = parse_point(text)
    issues.warn(
        row, "coordinates", "latitude and longitude read from one cell", "lat, lon in one field"
    )
    return point


def _decimals(get: Getter) -> int | None:
    """Decimals of the coordinates as written (``None`` for DMS and other notations)."""
    lat, lon = get("lat"), get("lon")
    if lat is not None and lon is not None:
        return text_decimals(f"{lat}, {lon}")
    return text_decimals(lat or lon or get("coordinates"))  # one cell: a pair, or no point
