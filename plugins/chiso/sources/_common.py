"""Helpers shared by the parsers: Arrow schemas of the raw datasets, building tables from rows."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa

from chiso import schemas
from chiso.sources.base import ParseError

_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "INTEGER": pa.int32(),
    "SMALLINT": pa.int16(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
}


def arrow_schema(dataset: str) -> pa.Schema:
    """``source_row`` INTEGER followed by the dataset's columns, as Arrow types."""
    fields = [pa.field("source_row", pa.int32())]
    fields += [pa.field(name, _ARROW_TYPES[t]) for name, t in schemas.columns(dataset)]
    return pa.schema(fields)


def conform(table: pa.Table, dataset: str) -> pa.Table:
    """Select and cast ``table`` to the dataset's exact column order and types."""
    schema = arrow_schema(dataset)
    return table.select(schema.names).cast(schema)


def table_from_rows(rows: Iterable[dict[str, Any]], dataset: str) -> pa.Table:
    schema = arrow_schema(dataset)
    rows = list(rows)
    cols = {f.name: pa.array([r.get(f.name) for r in rows], type=f.type) for f in schema}
    return pa.table(cols, schema=schema)


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

    from chiso.normalize import detect_legacy
    from chiso.sources.base import ParseError

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
    from chiso.sources.base import ParseError

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


def open_workbook(path: Path):
    """An XLSX workbook opened read-only (values, not formulas), or a ParseError."""
    import openpyxl

    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - zipfile.BadZipFile, InvalidFileException, KeyError ...
        raise ParseError(
            path, "an XLSX workbook", type(e).__name__, message="cannot open the workbook"
        ) from None
