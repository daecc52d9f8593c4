"""Reading bytes as text the way spreadsheets wrote them: BOM, Latin-1, mojibake.

Mojibake is UTF-8 that was once decoded as Windows-1252 ("DariÃ©n"). It is repaired only where
a run of such characters re-encodes to valid UTF-8, so genuine accented text is left alone.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
from pathlib import Path
from typing import TextIO

# Windows-1252 with its five holes filled by the Latin-1 control characters, as browsers and
# Excel do: every byte 0x00-0xFF maps to one character and back.
_SLOPPY_1252 = {}
for _byte in range(256):
    try:
        _char = bytes([_byte]).decode("cp1252")
    except UnicodeDecodeError:
        _char = chr(_byte)
    _SLOPPY_1252[_char] = _byte
_SLOPPY_DECODE = "".join(sorted(_SLOPPY_1252, key=_SLOPPY_1252.__getitem__))

_HIGH = "".join(re.escape(c) for c, b in _SLOPPY_1252.items() if b >= 0x80)
# A UTF-8 lead byte (0xC2-0xF4 as cp1252 characters) followed by continuation bytes.
_LEAD = "".join(re.escape(c) for c, b in _SLOPPY_1252.items() if 0xC2 <= b <= 0xF4)
_MOJIBAKE = re.compile(f"[{_LEAD}][{_HIGH}]+")


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding used: UTF-8 (BOM stripped) or, failing that, Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        try:
            return data.decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return decode_1252(data), "windows-1252"


def decode_1252(data: bytes) -> str:
    """Bytes as Windows-1252 (its holes as Latin-1): one character per byte, so any piece of a
    file decodes as it does within the whole."""
    return data.decode("latin-1").translate(_LATIN1_TO_1252)


# latin-1 decoding then mapping 0x80-0x9F to their cp1252 characters == sloppy cp1252 decode.
_LATIN1_TO_1252 = {b: _SLOPPY_DECODE[b] for b in range(0x80, 0xA0)}


def _repair(match: re.Match[str]) -> str:
    run = match.group(0)
    try:
        return bytes(_SLOPPY_1252[c] for c in run).decode("utf-8")
    except UnicodeDecodeError:
        return run


def fix_mojibake(text: str) -> str:
    """The text with every repairable mojibake run repaired (unchanged if none)."""
    if text.isascii():
        return text
    return _MOJIBAKE.sub(_repair, text)


# UTF-16 (Excel's "Unicode Text") read byte by byte as Windows-1252 is a NUL between every
# two characters, and a header matching nothing; the readers assume an ASCII-compatible file.
UTF16_ERROR = "the file is UTF-16 text; save it as UTF-8 (in Excel: CSV UTF-8) and import again"


def sniff(path: Path, chunk: int = 1 << 20) -> tuple[str, str]:
    """SHA-256 of the bytes and the encoding to read them with, in one pass over the file
    (``utf-16`` when it starts with a UTF-16 byte order mark: not readable)."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    encoding = "utf-8"
    with path.open("rb") as fh:
        first = True
        while block := fh.read(chunk):
            digest.update(block)
            if first and block.startswith(b"\xef\xbb\xbf"):
                encoding = "utf-8-sig"
            elif first and block.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                encoding = "utf-16"  # not read (``UTF16_ERROR``), but not Windows-1252 either
            first = False
            if encoding not in ("windows-1252", "utf-16"):
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    encoding = "windows-1252"
        if encoding not in ("windows-1252", "utf-16"):
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                encoding = "windows-1252"
    return digest.hexdigest(), encoding


def open_text(path: Path, encoding: str) -> TextIO:
    """The file as text lines for ``csv`` (newline=''): streamed for UTF-8, in memory otherwise."""
    if encoding.startswith("utf-8"):
        return path.open(encoding="utf-8-sig", newline="")
    text, _ = decode(path.read_bytes())
    return io.StringIO(text, newline="")
