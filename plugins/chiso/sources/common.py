"""Helpers the parsers share: reading small CSV and JSON exports with clear file-level errors, the period in a
file's name, a per-value cache, short text for error messages."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chiso.contracts.model import Vocabulary
from chiso.sources.base import ParseError

if TYPE_CHECKING:
    from chiso.sources.jsonstream import JSONProblem


class _Failed(tuple):
    pass


def per_value(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``fn`` remembering its result, or the ValueParseError it raised, for each distinct value (by type and
    value). A register repeats the same few types, agencies, vocabulary words and dates on every row; one
    cache per file."""
    from chiso.sources.normalize import ValueParseError

    cache: dict[tuple[type, Any], Any] = {}

    def call(value: Any) -> Any:
        key = (value.__class__, value)
        try:
            hit = cache[key]
        except KeyError:
            try:
                hit = fn(value)
            except ValueParseError as e:
                hit = _Failed((e.expected, e.found, e.message))
            cache[key] = hit
        if hit.__class__ is _Failed:
            raise ValueParseError(*hit)
        return hit

    return call


_PERIOD_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})(?!\d)")


def month_from_name(path: str | Path) -> date | None:
    """First day of the month named in a file name (``..._2023-01.csv``, ``month-2026-08.json``)."""
    m = _PERIOD_IN_NAME.search(Path(path).name)
    if not m:
        return None
    y, mo = int(m.group(1)), int(m.group(2))
    if not 1 <= mo <= 12:
        return None
    return date(y, mo, 1)


def month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def short(value: Any, n: int = 80) -> str:
    s = "" if value is None else str(value)
    return s if len(s) <= n else s[: n - 1] + "…"


def read_text_csv(path: Path, *, expect: str) -> list[list[str]]:
    """Read a small CSV export as rows of strings (UTF-8 with or without BOM), with the file-level checks
    shared by the parsers: empty file, not UTF-8 (legacy encodings guessed), unterminated quote."""
    import csv
    import io

    from chiso.sources.normalize import detect_legacy

    raw = Path(path).read_bytes()
    if blank(raw):
        raise ParseError(path, expect, "an empty file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        legacy = detect_legacy(raw.decode("latin-1"))
        guess = {"tcvn3": "TCVN3 (ABC)", "vni": "VNI-Windows"}.get(legacy or "", "Windows-1258/Latin-1")
        raise ParseError(
            path,
            "UTF-8 text",
            f"byte 0x{raw[e.start]:02X} at offset {e.start}",
            message=f"the file is not UTF-8; it looks like {guess} text: re-export it as UTF-8",
        ) from None
    if text.count('"') % 2 == 1:
        raise ParseError(
            path,
            "properly quoted fields",
            "an unterminated quoted field",
            message="the file is damaged or truncated",
        )
    return [row for row in csv.reader(io.StringIO(text))]


def check_delimiter(path: Path, header_line: list[str], expected: str) -> None:
    if len(header_line) == 1:
        line = header_line[0]
        for d, label in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
            if line.count(d) >= 2:
                raise ParseError(
                    path,
                    f"a comma-delimited header ({expected})",
                    f"one column; the header has {line.count(d)} {label}s",
                    message=f"the file is {label}-delimited, expected ','",
                )


def blank(raw: bytes) -> bool:
    """Nothing but blanks, or a byte-order mark and blanks: an empty file, for every text reading."""
    return raw.strip() in (b"", codecs.BOM_UTF8)


# A JSON export's faults, one ParseError each, whichever reading meets them: the document read whole
# (``load_json``) or streamed (``json_problem``, for ``chiso.sources.jsonstream``'s faults).
def _json_empty(path: Path) -> ParseError:
    return ParseError(path, "a JSON document", "an empty file", message="empty file")


def _json_not_utf8(path: Path, found: str) -> ParseError:
    return ParseError(path, "UTF-8 JSON", found, message="the file is not UTF-8")


def _json_malformed(path: Path, reason: str, line: int, column: int) -> ParseError:
    return ParseError(path, "well-formed JSON", f"{reason} at line {line} column {column}", row=line,
                      message="malformed or truncated JSON")


def _json_too_deep(path: Path, found: str) -> ParseError:
    return ParseError(path, "JSON nested a few levels deep", found, message="JSON nested too deeply")


def load_json(path: Path) -> Any:
    """A JSON export read whole, or a ParseError saying what is wrong with it (empty, not UTF-8, malformed,
    nested too deeply)."""
    raw = path.read_bytes()
    if blank(raw):
        raise _json_empty(path)
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise _json_not_utf8(path, f"byte 0x{raw[e.start]:02X} at offset {e.start}") from None
    except json.JSONDecodeError as e:
        raise _json_malformed(path, e.msg, e.lineno, e.colno) from None
    except RecursionError:
        raise _json_too_deep(path, "nesting too deep to read") from None


def json_problem(path: Path, e: JSONProblem) -> ParseError:
    """The ParseError ``load_json`` gives for the same fault, met by the streamed reading (the byte of a
    non-UTF-8 file and its offset in the file; where malformed JSON broke: line, column, the parser's reason)."""
    from chiso.sources import jsonstream

    if isinstance(e, jsonstream.Empty):
        return _json_empty(path)
    if isinstance(e, jsonstream.NotUTF8):
        return _json_not_utf8(path, str(e))
    if isinstance(e, jsonstream.TooDeep):  # json.loads: a RecursionError
        return _json_too_deep(path, f"nesting of {e}")
    return _json_malformed(path, e.reason, e.line, e.column)


def words(vocabulary: Vocabulary) -> dict[str, str]:
    """A vocabulary's export wordings → its codes as text (what ``normalize.map_value`` maps to)."""
    return {label: str(code).lower() for label, code in vocabulary.label_map().items()}


_ONE_OF: dict[str, str] = {}  # one_of's text by vocabulary name


def one_of(vocabulary: Vocabulary) -> str:
    """'A, B or C': the current wordings of a vocabulary, for an error message. Kept per vocabulary: parsers
    pass it with every value they map (a catalogue: two a row, 400,000 times for the default sample)."""
    text = _ONE_OF.get(vocabulary.name)
    if text is None:
        labels = [vocabulary.label(c) for c in vocabulary.codes]
        text = _ONE_OF[vocabulary.name] = ", ".join(labels[:-1]) + " or " + labels[-1]
    return text
