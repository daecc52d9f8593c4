"""Text clean-up before matching: mojibake repair, boilerplate removal, accent folding.

Incident texts arrive double-encoded ("DariÃ©n"), with reporting boilerplate ("(see spreadsheet
for coordinates)") and in many spellings; matching works on a folded form so that "Darién",
"DARIEN" and "Darien" meet the same gazetteer key.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# A UTF-8 lead byte read as cp1252/latin-1, followed by one or more continuation bytes.
_CP1252_CONT = (
    "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
)
_MOJIBAKE = re.compile(f"[\u00c2-\u00f4][{_CP1252_CONT}]{{1,3}}")

_BOILERPLATE = (
    re.compile(r"\((?:[^()]*\b(?:see|spreadsheet|coordinates|exact location)\b[^()]*)\)", re.I),
    re.compile(r"\(see[^()]*$", re.I),
    re.compile(r"\bGPS:?\s*[NS]?\s*-?\d[\d.,\s°'NSEW-]*", re.I),
    re.compile(r"\bon \d{1,2}[./]\d{1,2}[./]\d{2,4}\b", re.I),
    re.compile(r"\(\d{1,2}:\d{2}h?\)"),
    re.compile(r"\b\d{5}(?:-\d{4})?\b(?=[.\s]*$)"),  # trailing US ZIP code
)

_FOLD = str.maketrans(
    {
        "ı": "i",
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ß": "ss",
        "đ": "d",
        "Đ": "d",
        "ł": "l",
        "Ł": "l",
        "þ": "th",
        "ð": "d",
        "ʼ": "",
        "ʻ": "",
        "ʿ": "",
        "ʾ": "",
        "’": "",
        "‘": "",
        "'": "",
        "`": "",
    }
)
_SEPARATORS = re.compile(r"[,;:()\[\]{}/|.!?\"“”]+")
_NON_WORD = re.compile(r"[^0-9a-z,]+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _unmangle(run: str) -> str:
    """Re-read one mojibake run as UTF-8 bytes; keep it unchanged if it is not one."""
    raw = bytearray()
    for ch in run:
        try:
            raw += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) > 0xFF:
                return run
            raw.append(ord(ch))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return run


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as cp1252 or latin-1, run by run.

    Examples
    --------
    >>> repair_mojibake("DariÃ©n Gap, SÃ©guÃ©dine")
    'Darién Gap, Séguédine'
    """
    if not _MOJIBAKE.search(text):
        return text
    return _MOJIBAKE.sub(lambda m: _unmangle(m.group(0)), text)


def strip_boilerplate(text: str) -> str:
    """Drop reporting boilerplate that names no place (spreadsheet notes, GPS, dates)."""
    for pattern in _BOILERPLATE:
        text = pattern.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip(" ,.;")


def fold(text: str) -> str:
    """Accent-, case- and punctuation-insensitive key of a name.

    Examples
    --------
    >>> fold("Río Bravo del Norte")
    'rio bravo del norte'
    >>> fold("Az-Zawiyah")
    'az zawiyah'
    """
    if text.isascii():  # fast path for most gazetteer names
        text = text.lower()
        if text.isalnum():
            return text
        text = text.replace("'", "").replace("`", "")
        return " ".join(_NON_ALNUM.sub(" ", text).split())
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.translate(_FOLD)
    text = _SEPARATORS.sub(" ", text)
    return " ".join(_NON_WORD.sub(" ", text).split())


@dataclass(frozen=True, slots=True)
class Token:
    """One word of the query: folded form, original spelling and whether a comma precedes it."""

    norm: str
    orig: str
    clause: int


def tokenize(text: str) -> list[Token]:
    """Split into folded words; ``clause`` counts commas/semicolons/brackets seen so far.

    Matching never joins words across a clause break, so "Tripoli, Libya" is two names.
    """
    tokens: list[Token] = []
    clause = 0
    text = re.sub(r"(?<=\w)[?\ufffd](?=\w)", "", text)  # lost characters: "Mu?la"
    text = re.sub(r"(\d),(\d)", r"\1.\2", text)  # decimal comma: "3,5 miles"
    text = re.sub(r"(\d)([^\W\d_])", r"\1 \2", text)  # "140km", "900m"
    for piece in re.split(r"([,;:()\[\]]|\.\s|\s-\s|\s&\s)", text):
        if piece is None:
            continue
        if _SEPARATORS.fullmatch(piece.strip() or "x") or piece.strip() in {"-", "&"}:
            clause += 1
            continue
        for word in re.split(r"[\s/]+|(?<=\w)-(?=\w)|(?<=[^\W\d])\.(?=\w)", piece):
            if _NUMBER.fullmatch(word):
                tokens.append(Token(word, word, clause))
                continue
            norm = fold(word)
            for part in norm.split():
                tokens.append(Token(part, word, clause))
    return tokens
