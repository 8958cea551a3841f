"""Helpers the parsers share: reading small CSV and JSON exports with clear file-level errors, the period in a
file's name, a per-value cache, short text for error messages."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from chiso.contracts.model import Vocabulary
from chiso.sources.base import ParseError


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
    if not raw.strip() or raw.strip() == b"\xef\xbb\xbf":
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


def load_json(path: Path) -> Any:
    """A JSON export, or a ParseError saying what is wrong with it (empty, not UTF-8, malformed)."""
    raw = path.read_bytes()
    if not raw.strip():
        raise ParseError(path, "a JSON document", "an empty file")
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise ParseError(path, "UTF-8 JSON", f"byte 0x{raw[e.start]:02X} at offset {e.start}") from None
    except json.JSONDecodeError as e:
        raise ParseError(
            path,
            "well-formed JSON",
            f"{e.msg} at line {e.lineno} column {e.colno}",
            message="malformed or truncated JSON",
        ) from None


def words(vocabulary: Vocabulary) -> dict[str, str]:
    """A vocabulary's export wordings → its codes as text (what ``normalize.map_value`` maps to)."""
    return {label: str(code).lower() for label, code in vocabulary.label_map().items()}


def one_of(vocabulary: Vocabulary) -> str:
    """'A, B or C': the current wordings of a vocabulary, for an error message."""
    labels = [vocabulary.label(c) for c in vocabulary.codes]
    return ", ".join(labels[:-1]) + " or " + labels[-1]
