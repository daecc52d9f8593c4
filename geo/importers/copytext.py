"""Staged rows as PostgreSQL COPY text, written in Python.

Byte for byte what psycopg's ``Copy.write_row`` sends for the staged value types (None, str,
int, float, date), so a reader can hand over ready lines: building one string per row costs
less than psycopg adapting 38 values one by one, and the lines can be made in another process
(``geo.importers.stage``). ``tests/test_import_parallel.py`` checks the equality.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from hashlib import md5
from typing import Any

NULL = "\\N"
# What psycopg escapes in text COPY (PostgreSQL needs backslash, tab, newline and CR).
SPECIAL = re.compile("[\b\t\n\v\f\r\\\\]")
_ESCAPES = str.maketrans(
    {
        "\b": "\\b",
        "\t": "\\t",
        "\n": "\\n",
        "\v": "\\v",
        "\f": "\\f",
        "\r": "\\r",
        "\\": "\\\\",
    }
)


def needs_escape(value: str) -> bool:
    """Whether COPY text of ``value`` differs from it (seven substring tests beat a regex)."""
    return (
        "\\" in value
        or "\t" in value
        or "\n" in value
        or "\r" in value
        or "\b" in value
        or "\v" in value
        or "\f" in value
    )


def text(value: str) -> str:
    """A text value escaped for COPY."""
    return value.translate(_ESCAPES) if SPECIAL.search(value) else value


def value(v: Any) -> str:
    """One staged value as COPY text (``\\N`` for NULL)."""
    if v is None:
        return NULL
    kind = type(v)
    if kind is str:
        return text(v)
    if kind is int:
        return str(v)
    if kind is float:
        return repr(v)  # shortest round-trip form; PostgreSQL reads inf/nan too
    if kind is bool:
        return "t" if v else "f"
    if kind is dt.date:
        return str(v)
    raise TypeError(f"no COPY text for a staged {kind.__name__} value")


def line(row: Sequence[Any]) -> str:
    """A staged row as one COPY line, newline included."""
    return "\t".join([value(v) for v in row]) + "\n"


def hashed(text_line: str) -> str:
    """A staged row's COPY line with its ``row_hash`` appended: the MD5 of everything after the
    row number, so the hash covers every staged value (the file's and what the import derived)
    but not where the row sits in the file. Made where the line is made, not in the merge."""
    body = text_line[text_line.index("\t") + 1 : -1]
    return f"{text_line[:-1]}\t{md5(body.encode()).hexdigest()}\n"


def staged_line(row: Sequence[Any]) -> str:
    """A staged row as the COPY line of ``import_stage``: its values, then its ``row_hash``."""
    return hashed(line(row))
