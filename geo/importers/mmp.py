"""IOM Missing Migrants Project exports, older and current column layouts.

Decisions (see docs/import.md): the total is the headline figure, so dead + missing always adds
up to "Total Dead and Missing" for every accepted row; rows without coordinates are kept (geom
NULL, warning); zero-filled rows are kept as category 'other'; identical rows stay distinct.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from geo import h3index
from geo.coords import TINY, CoordinateError, parse_point
from geo.dates import DateError, parse_day, year_month
from geo.importers import copytext, split
from geo.importers.base import (
    INTS,
    LIST_SEP,
    MISSING,
    CsvRows,
    Issues,
    NaturalKeys,
    Parsed,
    RowError,
    SetupError,
    check_unique,
    count,
    csv_checked,
    fit,
)
from geo.importers.location import SOURCE_DEFAULT_M, Inferred, text_decimals
from geo.importers.text import fix_mojibake

SOURCE = "iom-mmp"

OLDER = {
    "region": "Region of Incident",
    "reported_date": "Reported Date",
    "year": "Reported Year",
    "month": "Reported Month",
    "dead": "Number Dead",
    "missing": "Minimum Estimated Number of Missing",
    "total": "Total Dead and Missing",
    "survivors": "Number of Survivors",
    "women": "Number of Females",
    "men": "Number of Males",
    "children": "Number of Children",
    "cause": "Cause of Death",
    "location": "Location Description",
    "source_name": "Information Source",
    "coordinates": "Location Coordinates",
    "route": "Migration Route",
    "unsd": "UNSD Geographical Grouping",
    "source_quality": "Source Quality",
}
CURRENT = {
    "incident_type": "Incident Type",
    "year": "Incident year",
    "month": "Reported Month",
    "origin_region": "Region of Origin",
    "region": "Region of Incident",
    "origin_countries": "Country of Origin",
    "dead": "Number of Dead",
    "missing": "Minimum Estimated Number of Missing",
    "total": "Total Number of Dead and Missing",
    "survivors": "Number of Survivors",
    "women": "Number of Females",
    "men": "Number of Males",
    "children": "Number of Children",
    "cause": "Cause of Death",
    "route": "Migration route",
    "location": "Location of death",
    "source_name": "Information Source",
    "coordinates": "Coordinates",
    "unsd": "UNSD Geographical Grouping",
}
CURRENT_OPTIONAL = {
    "main_id": "Main ID",
    "incident_id": "Incident ID",
    "incident_date": "Incident Date",
    "url": "URL",
    "location_alt": "Location of Incident",
}
LAYOUTS = {"mmp-older": OLDER, "mmp-current": CURRENT}

_NULL = frozenset({"", "NULL", "null", "N/A", "n/a", "Unknown", "unknown"})
_ROUTE_NULL = _NULL | {"0"}
_SPACES = re.compile(r"\s+")


def _norm(name: str) -> str:
    return _SPACES.sub(" ", name.strip().lstrip("\ufeff")).casefold()


def detect(header: list[str]) -> tuple[str, dict[str, int]]:
    """The layout name and each known field's column index; ``SetupError`` naming what's
    missing when the header is neither layout."""
    index = {_norm(h): i for i, h in enumerate(header)}
    best: tuple[int, str, list[str]] | None = None
    for layout, columns in LAYOUTS.items():
        missing = [col for col in columns.values() if _norm(col) not in index]
        if not missing:
            used = dict(columns)
            if layout == "mmp-current":
                used |= {f: col for f, col in CURRENT_OPTIONAL.items() if _norm(col) in index}
            check_unique(header, used.values(), _norm)
            return layout, {f: index[_norm(col)] for f, col in used.items()}
        if best is None or len(missing) < best[0]:
            best = (len(missing), layout, missing)
    assert best is not None
    _, layout, missing = best
    raise SetupError(
        f"not an MMP export: the header matches no known layout; closest is {layout}, "
        f"which is missing columns: {', '.join(missing)}"
    )


def read(
    stream: Iterable[str],
    issues: Issues,
    *,
    copy_text: bool = False,
    line_offset: int = 0,
    keys: NaturalKeys | None = None,
) -> Parsed:
    """The file's layout, header and staged rows. With ``copy_text`` a row that has its point
    comes as its COPY line (``geo.importers.copytext``), ready to send; the others, which the
    runner geocodes first, stay lists.

    ``line_offset`` and ``keys`` are for a part of a file (``read_part``): the file lines before
    the part's records that its stream leaves out, and the keys to give."""
    rows = CsvRows(stream)
    layout, fields = detect(rows.header)
    if keys is None:
        keys = NaturalKeys()
    staged = csv_checked(
        _rows(rows, layout, fields, issues, copy_text, line_offset, keys), rows.reader, line_offset
    )
    return Parsed(layout, rows.header, staged, copy_text)


def read_part(
    path: Path, encoding: str, issues: Issues, at: split.Split, second: bool
) -> tuple[Parsed, NaturalKeys]:
    """One of the two parts of a large file (``geo.importers.split``), as COPY text, with row
    numbers of the whole file; and its keys, which the second part's are fixed after."""
    lines, line_offset = split.part_lines(path, encoding, at, second=second)
    keys = NaturalKeys(track=second)
    parsed = read(lines, issues, copy_text=True, line_offset=line_offset, keys=keys)
    return parsed, keys


def _rows(
    rows: CsvRows,
    layout: str,
    f: dict[str, int],
    issues: Issues,
    copy_text: bool,
    line_offset: int,
    keys: NaturalKeys,
) -> Iterator[Any]:
    header = rows.header
    width = len(header)
    older = layout == "mmp-older"
    i_dead, i_missing, i_total = f["dead"], f["missing"], f["total"]
    i_surv, i_women, i_men, i_child = f["survivors"], f["women"], f["men"], f["children"]
    i_cause, i_loc, i_region, i_route = f["cause"], f["location"], f["region"], f["route"]
    i_src, i_coords, i_year, i_month = f["source_name"], f["coordinates"], f["year"], f["month"]
    i_date = f.get("reported_date" if older else "incident_date", -1)
    i_quality = f.get("source_quality", -1)
    i_type = f.get("incident_type", -1)
    i_oreg, i_octry = f.get("origin_region", -1), f.get("origin_countries", -1)
    i_url, i_loc_alt = f.get("url", -1), f.get("location_alt", -1)
    i_id = f.get("incident_id", f.get("main_id", -1))
    id_name = header[i_id] if i_id >= 0 else ""
    # (event date, precision, reported date, the three as COPY text)
    date_cache: dict[tuple[str, str, str], tuple[dt.date, str, dt.date | None, str]] = {}
    to_cell = h3index.cell_at_function()
    infer = Inferred(SOURCE_DEFAULT_M["mmp"])
    by_decimals, table_size = infer.table, Inferred.TABLE_SIZE
    content_key = keys.content_function(layout.encode() + b"\x1f")
    ints, miss = INTS.get, MISSING
    reader, last = rows.reader, rows.header_lines + line_offset
    # COPY text: the dates and the precision columns of a row come from small caches, so their
    # text is made once per distinct value; a row with a character COPY escapes takes the
    # general formatter.
    located_text: dict[tuple[Any, Any, Any], str] = {}
    special, NUL, hashed = copytext.needs_escape, copytext.NULL, copytext.hashed

    for cells in reader:
        row = last + 1
        last = reader.line_num + line_offset
        try:
            if len(cells) != width:
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue  # blank line
                cells = fit(cells, width, row, issues)
            raw = LIST_SEP.join(cells)
            if raw.count(LIST_SEP) != width - 1 or "\x00" in raw:
                raise RowError("row contains control characters (NUL/unit separator)")
            if raw.isascii():
                norm = raw
            else:
                fixed = [fix_mojibake(c) for c in cells]
                for k, (before, after) in enumerate(zip(cells, fixed, strict=True)):
                    if before != after:
                        issues.warn(
                            row, header[k], f"repaired mojibake: {after!r}", "mojibake repaired"
                        )
                cells = fixed
                norm = LIST_SEP.join(fixed)

            # counts: a dict hit for the common cells, the full parser for the rest ----------
            c = cells[i_dead]
            if (dead := ints(c, miss)) is miss:
                dead = count(c, "dead", row, issues, strict=True)
            c = cells[i_missing]
            if (missing := ints(c, miss)) is miss:
                missing = count(c, "missing", row, issues, strict=True)
            c = cells[i_total]
            if (total := ints(c, miss)) is miss:
                total = count(c, "total", row, issues, strict=True)
            if total is not None and (dead or 0) + (missing or 0) != total:
                dead, missing = _reconcile(dead, missing, total, row, issues)
            c = cells[i_surv]
            if (survivors := ints(c, miss)) is miss:
                survivors = count(c, "survivors", row, issues, strict=False)
            c = cells[i_women]
            if (women := ints(c, miss)) is miss:
                women = count(c, "women", row, issues, strict=False)
            c = cells[i_men]
            if (men := ints(c, miss)) is miss:
                men = count(c, "men", row, issues, strict=False)
            c = cells[i_child]
            if (children := ints(c, miss)) is miss:
                children = count(c, "children", row, issues, strict=False)
            if dead:
                category = "death"
            elif missing:
                category = "disappearance"
            else:
                category = "other"
                issues.warn(
                    row,
                    "total",
                    "no dead or missing recorded; kept as 'other'",
                    "zero-filled row kept as 'other'",
                )

            # dates: cached per distinct (date, year, month) when they raise no warning ------
            key = (cells[i_date] if i_date >= 0 else "", cells[i_year], cells[i_month])
            dates = date_cache.get(key)
            if dates is None:
                n_warnings = len(issues.warnings)
                day, precision, reported = _dates(
                    cells, i_date, i_year, i_month, older, row, issues
                )
                d_text = f"{day}\t{precision}\t{NUL if reported is None else reported}"
                dates = (day, precision, reported, d_text)
                if len(issues.warnings) == n_warnings:
                    date_cache[key] = dates
            event_date, precision, reported, d_text = dates

            # place: "lat, lon" in plain decimals inline, every other notation in geo.coords;
            # precision from the decimals written (docs/import.md, "Location precision") ----
            c = cells[i_coords]
            a, _, b = c.partition(",")
            try:
                lat, lon = float(a), float(b)
                if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
                    raise ValueError  # NaN or out of range: let parse_point say which
                if 0.0 < abs(lat) < TINY or 0.0 < abs(lon) < TINY:
                    raise ValueError  # parse_point reads it as 0
                point: tuple[float, float] | None = (lon, lat)
                a, b = a.rstrip("0 "), b.rstrip("0 ")  # trailing zeros are padding
                da = len(a) - a.find(".") - 1 if "." in a else 0
                db = len(b) - b.find(".") - 1 if "." in b else 0
                n_dec = da if da < db else db
                located = by_decimals[n_dec] if n_dec < table_size else infer(n_dec)
            except ValueError:
                try:
                    point = parse_point(c)
                except CoordinateError as exc:
                    raise RowError(f"coordinates: {exc}", "bad coordinates") from None
                if point is not None:
                    located = infer(text_decimals(c))
            if point is None:
                lon = lat = cell = h3res = None  # type: ignore[assignment]
                located = (None, None, None)  # type: ignore[assignment]
                issues.warn(
                    row,
                    "coordinates",
                    "no coordinates given",
                    "no coordinates",
                )
            elif point == (0.0, 0.0):
                lon = lat = cell = h3res = None  # type: ignore[assignment]
                located = (None, None, None)  # type: ignore[assignment]
                issues.warn(row, "coordinates", "0, 0 read as no coordinates", "0, 0 coordinates")
            else:
                lon, lat = point
                h3res = located[2]
                cell = to_cell(lon, lat, h3res)

            # identity ---------------------------------------------------------------------
            ident = cells[i_id].strip() if i_id >= 0 else ""
            if ident and ident not in _NULL:
                source_id = keys.from_id(ident, row, label=id_name)
            else:
                source_id = content_key(norm.encode(), row)

            cause = cells[i_cause].strip()
            location = cells[i_loc].strip()
            if location in _NULL and i_loc_alt >= 0:
                location = cells[i_loc_alt].strip()
            region = cells[i_region].strip()
            route = cells[i_route].strip()
            src = cells[i_src].strip()
            quality = cells[i_quality].strip() if i_quality >= 0 else ""
            url = cells[i_url].strip() if i_url >= 0 else ""
            itype = cells[i_type].strip() if i_type >= 0 else ""
            oreg = cells[i_oreg].strip() if i_oreg >= 0 else ""
            octry = _countries(cells[i_octry]) if i_octry >= 0 else None
        except RowError as exc:
            issues.reject(row, str(exc), exc.kind)
            continue
        issues.accepted += 1
        if (
            copy_text
            and cell is not None
            and not special(raw)
            and (norm is raw or not special(norm))
        ):
            if (l_text := located_text.get(located)) is None:
                l_text = located_text[located] = (
                    f"{h3res}\t{located[0]}\t{copytext.value(located[1])}\tsource"
                )
            yield hashed(
                f"{row}\t{source_id}\t{NUL if itype in _NULL else itype}\t{category}\t{d_text}"
                f"\t{NUL if dead is None else dead}\t{NUL if missing is None else missing}"
                f"\t{NUL if survivors is None else survivors}\t{NUL}\t{NUL}"
                f"\t{NUL if women is None else women}\t{NUL if men is None else men}"
                f"\t{NUL if children is None else children}"
                f"\t{NUL if cause in _NULL else cause}"
                f"\t{NUL if location in _NULL else location}"
                f"\t{NUL if region in _NULL else region}"
                f"\t{NUL if route in _ROUTE_NULL else route}"
                f"\t{lon!r}\t{lat!r}\t{cell}\t{l_text}\t{NUL}\t{NUL}"
                f"\t{NUL if octry is None else octry}\t{NUL if oreg in _NULL else oreg}"
                f"\t{NUL}\t{NUL}\t{NUL}\t{NUL if quality in _NULL else quality}"
                f"\t{NUL if src in _NULL else src}\t{NUL if url in _NULL else url}"
                f"\t{raw}\t{NUL}\n"
            )
            continue
        staged = [
            row,
            source_id,
            None if itype in _NULL else itype,
            category,
            event_date,
            precision,
            reported,
            dead,
            missing,
            survivors,
            None,
            None,
            women,
            men,
            children,
            None if cause in _NULL else cause,
            None if location in _NULL else location,
            None if region in _NULL else region,
            None if route in _ROUTE_NULL else route,
            lon,
            lat,
            cell,
            h3res,
            located[0],
            located[1],
            "source" if cell is not None else None,
            None,
            None,
            octry,
            None if oreg in _NULL else oreg,
            None,
            None,
            None,
            None if quality in _NULL else quality,
            None if src in _NULL else src,
            None if url in _NULL else url,
            raw,
            None,
        ]
        yield copytext.staged_line(staged) if copy_text and cell is not None else staged


def _reconcile(
    dead: int | None, missing: int | None, total: int, row: int, issues: Issues
) -> tuple[int | None, int | None]:
    """Make dead + missing equal the total: fill the empty one, else adjust missing."""
    if dead is None and missing is None:
        issues.warn(
            row,
            "dead",
            f"only a total ({total}) given; counted as dead",
            "total without dead/missing counted as dead",
        )
        return total, None
    if dead is None:
        assert missing is not None
        if missing > total:
            raise RowError(f"missing {missing} exceeds total {total}", "counts contradict total")
        issues.warn(
            row,
            "dead",
            f"dead derived from total − missing = {total - missing}",
            "dead derived from total",
        )
        return total - missing, missing
    if dead > total:
        raise RowError(f"dead {dead} exceeds total {total}", "counts contradict total")
    if missing is None:
        return dead, total - dead  # older layout: missing NULL, total set — the usual shape
    issues.warn(
        row,
        "missing",
        f"total {total} ≠ dead {dead} + missing {missing}; missing set to {total - dead}",
        "total ≠ dead + missing",
    )
    return dead, total - dead


def _dates(
    cells: list[str],
    i_date: int,
    i_year: int,
    i_month: int,
    older: bool,
    row: int,
    issues: Issues,
) -> tuple[dt.date, str, dt.date | None]:
    """(event date, precision, reported date)."""
    day_text = cells[i_date].strip() if i_date >= 0 else ""
    if day_text and day_text not in _NULL:
        try:
            day = parse_day(day_text)
        except DateError as exc:
            raise RowError(str(exc), "bad date") from None
        year_text = cells[i_year].strip()
        if year_text.isdigit() and int(year_text) != day.year:
            issues.warn(
                row,
                "date",
                f"date {day_text} is not in year {year_text}",
                "date disagrees with year",
            )
        return day, "day", day if older else None
    year_text, month_text = cells[i_year].strip(), cells[i_month].strip()
    try:
        if month_text in _NULL:
            first = year_month(year_text, "1")
            issues.warn(row, "date", "no month given; year precision", "year precision only")
            return first, "year", None
        first = year_month(year_text, month_text)
    except DateError as exc:
        raise RowError(str(exc), "bad date") from None
    if older:
        issues.warn(
            row,
            "date",
            "no reported date; month precision from year and month",
            "month precision only",
        )
    return first, "month", None


def _countries(value: str) -> str | None:
    names = [n.strip() for n in value.split(",")]
    kept = [n for n in names if n not in _NULL]
    return LIST_SEP.join(kept) if kept else None
