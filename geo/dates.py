"""Dates as sources write them: ``1-Sep-20``, ISO, month names, day-first European dates.

Parsing is cached per distinct string: a million-row export has a few thousand distinct dates.
Every parser raises ``DateError`` with a reason, never returns a guess.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

MIN_YEAR = 1900

MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("jan", "january", "janvier", "enero"),
            ("feb", "february", "fevrier", "février", "febrero"),
            ("mar", "march", "mars", "marzo"),
            ("apr", "april", "avril", "abril"),
            ("may", "mai", "mayo"),
            ("jun", "june", "juin", "junio"),
            ("jul", "july", "juillet", "julio"),
            ("aug", "august", "aout", "août", "agosto"),
            ("sep", "sept", "september", "septembre", "septiembre"),
            ("oct", "october", "octobre", "octubre"),
            ("nov", "november", "novembre", "noviembre"),
            ("dec", "december", "decembre", "décembre", "diciembre"),
        ],
        start=1,
    )
    for name in names
}

_DMY_NAME = re.compile(r"^(\d{1,2})[-\s/.]([A-Za-zéû]+)\.?[-\s/.,]*(\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.+\-Z]*)?$")
_DMY_DOT = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


class DateError(ValueError):
    """A date that cannot be read, or that cannot be right."""


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # 1-Sep-20: sources started in the 1990s, so 00-(this year) is 20xx
        year += 2000 if year <= dt.date.today().year % 100 + 1 else 1900
    return year


def checked(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        value = dt.date(year, month, day)
    except ValueError as exc:
        raise DateError(f"impossible date {text!r} ({exc})") from None
    if year < MIN_YEAR or value > dt.date.today() + dt.timedelta(days=1):
        raise DateError(f"date {text!r} is outside {MIN_YEAR}..today")
    return value


@lru_cache(maxsize=65536)
def parse_day(text: str, fmt: str | None = None) -> dt.date:
    """A day-precision date; ``fmt`` (strptime) when the source's format is known."""
    s = text.strip()
    if fmt:
        try:
            value = dt.datetime.strptime(s, fmt).date()
        except ValueError:
            raise DateError(f"date {s!r} does not match format {fmt!r}") from None
        return checked(value.year, value.month, value.day, s)
    m = _DMY_NAME.match(s)
    if m:
        month = MONTHS.get(m.group(2).lower())
        if month is None:
            raise DateError(f"unknown month {m.group(2)!r} in date {s!r}")
        return checked(_year(m.group(3)), month, int(m.group(1)), s)
    m = _ISO.match(s)
    if m:
        return checked(int(m.group(1)), int(m.group(2)), int(m.group(3)), s)
    m = _DMY_DOT.match(s)
    if m:
        return checked(int(m.group(3)), int(m.group(2)), int(m.group(1)), s)
    raise DateError(f"unreadable date {s!r}")


def month_number(text: str) -> int:
    """1-12 from a month name, abbreviation or number."""
    s = text.strip().lower().rstrip(".")
    if s.isdigit() and 1 <= int(s) <= 12:
        return int(s)
    try:
        return MONTHS[s]
    except KeyError:
        raise DateError(f"unknown month {text.strip()!r}") from None


def parse_year(text: str) -> int:
    s = text.strip()
    if not (len(s) == 4 and s.isdigit()):
        raise DateError(f"unreadable year {s!r}")
    year = int(s)
    if year < MIN_YEAR or year > dt.date.today().year:
        raise DateError(f"year {year} is outside {MIN_YEAR}..this year")
    return year


@lru_cache(maxsize=4096)
def year_month(year_text: str, month_text: str) -> dt.date:
    """First day of the month: the event date of a month-precision record."""
    year = parse_year(year_text)
    return checked(year, month_number(month_text), 1, f"{month_text} {year_text}")
