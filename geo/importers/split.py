"""A large CSV file read as two parts, in two processes, with the results of one reader.

The split is the first newline past ``FIRST_SHARE`` of the file that ends a record. CSV quotes
are doubled inside a quoted field (RFC 4180), so a newline is outside quotes when the number of
``"`` before it is even; that holds for how ``csv`` reads the file only if every quote is where
RFC 4180 puts it (an opening one after a delimiter, a line break, the file's start or a quote; a
closing one before those or a quote), which ``find_split`` checks for every quote before the
split: a file with a stray quote is read whole. Newline bytes are never part of a UTF-8 or
Windows-1252 character, so each part decodes as it does in the whole file.

The second part reads the header's lines, then the file from the split; its row numbers are the
whole file's (the physical lines before the split are counted). Its natural keys
(``NaturalKeys``) cannot know the first part's, so ``Renumbering`` fixes them afterwards: a
content key's occurrence number continues the first part's count, and a row whose id the first
part gave is rejected as the duplicate it is, as reading the whole file would have.
"""

from __future__ import annotations

import codecs
import csv
import io
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import IO, Any

import numpy as np

from geo.importers.base import Issues, NaturalKeys, duplicate_id
from geo.importers.copytext import hashed
from geo.importers.text import decode_1252

# The first part's share of the file: its COPY text is streamed while both parts are read, the
# second's only after, so a first part a little larger ends the two phases closer together.
FIRST_SHARE = 0.6
WINDOW = 4 << 20  # how far past that point a record boundary is looked for
BLOCK = 1 << 20  # bytes decoded at a time (Windows-1252)
_QUOTE, _CR, _LF = ord('"'), ord("\r"), ord("\n")
_OPEN_AFTER = np.frombuffer(b',\n\r"', dtype=np.uint8)
_CLOSE_BEFORE = _OPEN_AFTER


@dataclass(frozen=True)
class Split:
    """Where the second part starts: its byte offset and the physical lines before it."""

    offset: int
    lines: int


def find_split(path: Path) -> Split | None:
    """A record boundary past ``FIRST_SHARE`` of the file, or None (no safe one, nothing after)."""
    size = path.stat().st_size
    middle = int(size * FIRST_SHARE)
    with path.open("rb") as fh:
        data = fh.read(middle + WINDOW)
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    body = np.frombuffer(data, dtype=np.uint8)
    quotes = _positions(body, _QUOTE)
    newline = data.find(b"\n", middle)
    while newline != -1:
        before = int(np.searchsorted(quotes, newline))
        if before % 2 == 0:
            break
        newline = data.find(b"\n", newline + 1)
    else:
        return None
    offset = newline + 1
    if offset >= size or not _rfc_quotes(body, quotes[:before], start):
        return None
    return Split(offset, _lines(body[start:offset]))


def _positions(body: np.ndarray, byte: int) -> np.ndarray:
    """Where ``byte`` occurs (a block at a time: the temporaries stay in the CPU's cache)."""
    found = [np.flatnonzero(body[i : i + BLOCK] == byte) + i for i in range(0, len(body), BLOCK)]
    return np.concatenate(found) if found else np.empty(0, dtype=np.intp)


def _lines(body: np.ndarray) -> int:
    """Line breaks as ``open_text`` splits lines: LF, CR, or CR LF (one)."""
    lines = 0
    for i in range(0, len(body), BLOCK):
        block = body[i : i + BLOCK + 1]  # one byte more: a CR LF across blocks
        cr = block[:-1] == _CR if len(block) > BLOCK else block == _CR
        lf = block[: len(cr)] == _LF
        lines += int(np.count_nonzero(cr | lf))
        if cr.any():
            lines -= int(np.count_nonzero(cr[: len(cr) - 1] & lf[1:]))
            if len(block) > len(cr) and cr[-1] and block[-1] == _LF:
                lines -= 1
    return lines


def _rfc_quotes(body: np.ndarray, quotes: np.ndarray, start: int) -> bool:
    """Whether each quote (an even count of them, all before a newline) opens or closes a
    quoted field, or is doubled in one: then quote parity is what ``csv`` reads."""
    opening, closing = quotes[0::2], quotes[1::2]
    opening = opening[opening != start]
    return bool(
        np.isin(body[opening - 1], _OPEN_AFTER).all()
        and np.isin(body[closing + 1], _CLOSE_BEFORE).all()
    )


def part_lines(path: Path, encoding: str, at: Split, *, second: bool) -> tuple[Iterable[str], int]:
    """The text lines ``csv`` reads for one part, and the physical lines of the file before the
    part's records that they leave out (the second part has the header's lines first)."""
    if not second:
        return islice(_lines_from(path, encoding, 0), at.lines), 0
    header: list[str] = []
    head = _lines_from(path, encoding, 0)
    next(csv.reader(_taken(head, header)), None)
    _close(head)
    return chain(header, _lines_from(path, encoding, at.offset)), at.lines - len(header)


def _taken(lines: Iterable[str], into: list[str]) -> Iterator[str]:
    for line in lines:
        into.append(line)
        yield line


def _lines_from(path: Path, encoding: str, offset: int) -> Iterator[str]:
    """The file's text lines from byte ``offset`` (a line start; the BOM skipped), as
    ``open_text`` reads them (newline='')."""
    fh = path.open("rb")
    if offset == 0 and fh.read(3) != codecs.BOM_UTF8:
        fh.seek(0)
    elif offset:
        fh.seek(offset)
    if encoding.startswith("utf-8"):
        return io.TextIOWrapper(fh, encoding="utf-8", newline="")
    return _lines_1252(fh)


def _lines_1252(fh: IO[bytes]) -> Iterator[str]:
    """Windows-1252 lines, decoded a block at a time (cut after a newline byte)."""
    with fh:
        rest = b""
        while block := fh.read(BLOCK):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            rest = block[cut:]
            if cut:
                yield from io.StringIO(decode_1252(block[:cut]), newline="")
        if rest:
            yield from io.StringIO(decode_1252(rest), newline="")


def _close(lines: Iterator[str]) -> None:
    close = getattr(lines, "close", None)
    if close is not None:
        close()


class Renumbering:
    """The second part's keys fixed after the first part's (see the module's docstring)."""

    def __init__(self, first: NaturalKeys, second: NaturalKeys) -> None:
        counts = first.digests
        shared = second.first_rows.keys() & counts.keys()
        # row -> its source_id in the whole file
        self.source_ids: dict[int, str] = {}
        if shared:
            seen = dict.fromkeys(shared, 0)
            occurrences = [(row, d) for d, row in second.first_rows.items() if d in shared]
            occurrences += [(row, d) for row, d in second.later_rows if d in shared]
            for row, d in sorted(occurrences):
                seen[d] += 1
                self.source_ids[row] = f"{d}-{counts[d] + seen[d]}"
        ids = first.ids
        self._terms = second.id_terms
        self._first_at = ids
        # rows the second part accepted whose id the first part gave: row -> id
        self.rejected: dict[int, str] = {
            row: ident for ident, row in second.ids.items() if ident in ids
        }
        # rows the second part rejected as duplicates of its own row of such an id: row -> id
        self._again = {row: ident for row, ident in second.duplicates if ident in ids}
        self._rows = sorted(self.source_ids.keys() | self.rejected.keys())

    def rejections(self, rejections: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The second part's rejections as the whole file's, in row order."""
        if not self._again and not self.rejected:
            return rejections
        fixed = Issues()
        for rejection in rejections:
            ident = self._again.get(rejection["row"])
            if ident is None:
                fixed.rejections.append(rejection)
            else:
                self._reject(fixed, rejection["row"], ident)
        for row, ident in self.rejected.items():
            self._reject(fixed, row, ident)
        return sorted(fixed.rejections, key=lambda r: int(r["row"]))

    def _reject(self, issues: Issues, row: int, ident: str) -> None:
        error = duplicate_id(ident, self._first_at[ident], *self._terms)
        issues.reject(row, str(error), error.kind)

    def items(self, items: list[Any]) -> list[Any]:
        """A message's items (COPY text, ``(position, row)`` to geocode) with the keys fixed and
        the newly rejected rows left out."""
        if not self._rows:
            return items
        out = []
        for item in items:
            if type(item) is bytes:
                if self._touches(item):
                    item = self._lines(item)
                    if not item:
                        continue
            else:
                row = item[1]
                if row[0] in self.rejected:
                    continue
                source_id = self.source_ids.get(row[0])
                if source_id is not None:
                    row[1] = source_id
            out.append(item)
        return out

    def _touches(self, data: bytes) -> bool:
        first = int(data[: data.index(b"\t")])
        start = data.rfind(b"\n", 0, len(data) - 1) + 1
        last = int(data[start : data.index(b"\t", start)])
        i = bisect_left(self._rows, first)
        return i < len(self._rows) and self._rows[i] <= last

    def _lines(self, data: bytes) -> bytes:
        out = []
        for line in data.decode().split("\n")[:-1]:
            row_no, _, rest = line.split("\t", 2)
            row = int(row_no)
            if row in self.rejected:
                continue
            source_id = self.source_ids.get(row)
            if source_id is None:
                out.append(f"{line}\n")
            else:  # the values without the old row_hash, hashed again
                out.append(hashed(f"{row_no}\t{source_id}\t{rest[: rest.rindex(chr(9))]}\n"))
        return "".join(out).encode()
