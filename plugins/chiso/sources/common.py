"""Helpers shared by the parsers: Arrow schemas of the raw datasets, building tables from rows."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from chiso import contracts as schemas
from chiso.sources.base import ParseError, WrittenTable

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


# ------------------------------------------------------------------------------------------- Parquet
#
# The work files between parse, validate and load. Row groups of DuckDB's own size (122 880 rows), so that
# DuckDB reads a file with all its threads; no compression codec; dictionary pages only for columns with
# few distinct values (a dictionary of unique values costs time and falls back to plain pages anyway).
# 2M dossiers: 255 MiB written in 0.9 CPU-s, read by DuckDB in 1.6 (Snappy: 196 MiB, 1.4 and 1.8).

PARQUET_ROW_GROUP = 122_880
PARQUET_COMPRESSION = "none"  # these files live minutes; Snappy saved little here (the dictionaries do) and cost time
_UNIQUE_COLUMNS = {"source_row", "dossier_code", "applicant_key", "received_at", "appointment_at",
                   "completed_at", "updated_at", "document_number"}


def parquet_options(schema: pa.Schema) -> dict[str, Any]:
    return {
        "compression": PARQUET_COMPRESSION,
        "use_dictionary": [n for n in schema.names if n not in _UNIQUE_COLUMNS],
    }


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write a parsed table to Parquet (atomically: a failed write leaves no file)."""
    import pyarrow.parquet as pq

    tmp = path.with_name(path.name + ".part")
    pq.write_table(table, tmp, row_group_size=PARQUET_ROW_GROUP, **parquet_options(table.schema))
    tmp.replace(path)


class ParquetSink:
    """A parsed table streamed into one Parquet file, batch by batch (``<name>.part`` until ``close``).

    ``rows(columns)`` reads columns of what was written so far (it ends the writing); ``close(fix)``
    publishes the file, first rewriting it row group by row group through ``fix`` when given (rows to drop
    or a column to fill that were only known at the end)."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        import pyarrow.parquet as pq

        self.path = Path(path)
        self.schema = schema
        self.tmp = self.path.with_name(self.path.name + ".part")
        self.writer = pq.ParquetWriter(self.tmp, schema, **parquet_options(schema))
        self.num_rows = 0

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            self.writer.write_table(table, row_group_size=max(table.num_rows, PARQUET_ROW_GROUP))
            self.num_rows += table.num_rows

    def _seal(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def rows(self, columns: list[str]) -> pa.Table:
        import pyarrow.parquet as pq

        self._seal()
        with pq.ParquetFile(self.tmp) as f:
            return f.read(columns=columns)

    def close(self, fix: Callable[[pa.Table], pa.Table] | None = None) -> WrittenTable:
        import pyarrow.parquet as pq

        self._seal()
        if fix is not None:
            again = self.path.with_name(self.path.name + ".fix")
            self.num_rows = 0
            with pq.ParquetFile(self.tmp) as src, pq.ParquetWriter(again, self.schema,
                                                                  **parquet_options(self.schema)) as w:
                for i in range(src.num_row_groups):
                    t = fix(src.read_row_group(i))
                    if t.num_rows:
                        w.write_table(t, row_group_size=max(t.num_rows, PARQUET_ROW_GROUP))
                        self.num_rows += t.num_rows
            again.replace(self.tmp)
        self.tmp.replace(self.path)
        return WrittenTable(self.path, self.num_rows)

    def abort(self) -> None:
        self._seal()
        self.tmp.unlink(missing_ok=True)
        self.path.with_name(self.path.name + ".fix").unlink(missing_ok=True)


class MemorySink:
    """The same interface as ``ParquetSink``, keeping the batches as one Arrow table (no output folder)."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.parts: list[pa.Table] = []

    def write(self, table: pa.Table) -> None:
        self.parts.append(table)

    def _table(self) -> pa.Table:
        if len(self.parts) != 1:
            self.parts = [pa.concat_tables(self.parts) if self.parts else self.schema.empty_table()]
        return self.parts[0]

    def rows(self, columns: list[str]) -> pa.Table:
        return self._table().select(columns)

    def close(self, fix: Callable[[pa.Table], pa.Table] | None = None) -> pa.Table:
        return fix(self._table()) if fix else self._table()

    def abort(self) -> None:
        self.parts = []


def table_from_rows(rows: Iterable[dict[str, Any]], dataset: str) -> pa.Table:
    """Rows (dicts; a missing key is null, other keys are ignored) as a table of the dataset's schema."""
    return pa.Table.from_pylist(list(rows), schema=arrow_schema(dataset))


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

    from chiso.sources.base import ParseError
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


# ------------------------------------------------------------------------------------------- XLSX
#
# Workbooks are read with calamine (Rust: a 100k-row register reads in ~2 CPU-s, ~18 with openpyxl). Its
# values are mapped to what openpyxl (read-only, values only) gives, which the parsers were written against:
#
# * an empty cell is None (calamine: ""), so is a cell holding an empty string (openpyxl: "");
# * a whole-number numeric cell is an int (calamine: a float) when it is exact (|x| < 2**53);
# * a date-formatted cell is a datetime (calamine: a date when the time is midnight);
# * rows start at A1 (calamine skips leading empty rows and columns unless told not to).
#
# Calamine reads an error cell (#N/A, #REF!, ...) as an empty string (python-calamine issue #105), where
# openpyxl gives the error text, which the parsers reject ("expected a whole number, found '#REF!'"). A
# workbook with any error cell is therefore read with openpyxl, so that such a cell is never silently empty.

_EXACT_INT = float(2**53)
_ERROR_CELL = (b't="e"', b"t='e'")


def _has_error_cells(path: Path) -> bool:
    """Whether any worksheet of the XLSX may hold an error cell (``<c ... t="e">``), from the raw XML (a
    false positive only means reading with openpyxl)."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            with z.open(name) as fh:
                tail = b""
                while chunk := fh.read(1 << 22):
                    edge = tail + chunk[:8]
                    if any(chunk.find(m) >= 0 or edge.find(m) >= 0 for m in _ERROR_CELL):
                        return True
                    tail = chunk[-8:]
    return False


def _cell(v: Any) -> Any:
    t = type(v)
    if t is str:
        return v or None
    if t is float:
        return int(v) if v.is_integer() and -_EXACT_INT < v < _EXACT_INT else v
    if t is date:
        return datetime(v.year, v.month, v.day)
    return v


class _Sheet:
    def __init__(self, book: Workbook, name: str) -> None:
        self._book = book
        self.title = name

    def iter_rows(self, values_only: bool = True, max_row: int | None = None):
        """The sheet's rows from A1, as tuples of openpyxl-like values (see above)."""
        assert values_only, "only values are read"
        try:
            rows = self._book._wb.get_sheet_by_name(self.title).to_python(skip_empty_area=False, nrows=max_row)
        except Exception as e:  # noqa: BLE001 - calamine's XmlError, ZipError ...
            rows, failure = None, e
        fallback = self._book._openpyxl()  # the scan for error cells ran meanwhile
        if fallback is not None:
            yield from fallback[self.title].iter_rows(values_only=True, max_row=max_row)
            return
        if rows is None:
            raise ParseError(
                self._book.path, "an XLSX workbook", f"{type(failure).__name__} in sheet {self.title!r}",
                message="cannot read the worksheet",
            )
        for row in rows:
            yield tuple([(v or None) if v.__class__ is str else _cell(v) for v in row])


class Workbook:
    """The few parts of openpyxl's read-only workbook the parsers use, over calamine; over openpyxl itself
    when the file holds error cells (known from a scan of the sheet XML that runs in a thread meanwhile)."""

    def __init__(self, path: Path, wb, error_cells: Future) -> None:
        from python_calamine import SheetTypeEnum

        self.path = path
        self._wb = wb
        self._error_cells = error_cells
        self._fallback = None
        self.sheetnames: list[str] = list(wb.sheet_names)
        self._worksheets = [m.name for m in wb.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]

    def _openpyxl(self):
        """openpyxl's read-only workbook if the file holds error cells, else None."""
        try:
            if not self._error_cells.result():
                return None
        except Exception as e:  # noqa: BLE001 - zipfile.BadZipFile ...
            raise ParseError(
                self.path, "an XLSX workbook", type(e).__name__, message="cannot open the workbook"
            ) from None
        if self._fallback is None:
            import openpyxl

            self._fallback = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        return self._fallback

    @property
    def worksheets(self) -> list[_Sheet]:
        return [_Sheet(self, n) for n in self._worksheets]

    def __getitem__(self, name: str) -> _Sheet:
        if name not in self.sheetnames:
            raise KeyError(name)
        return _Sheet(self, name)

    def close(self) -> None:
        self._wb.close()
        if self._fallback is not None:
            self._fallback.close()
        self._error_cells.cancel()


_scan_thread: ThreadPoolExecutor | None = None


def open_workbook(path: Path) -> Workbook:
    """An XLSX workbook opened for reading values (cached results, not formulas), or a ParseError.

    Read with calamine, or with openpyxl (read-only) when it holds error cells (see above); the interface
    is openpyxl's: ``sheetnames``, ``worksheets``, ``wb[name].iter_rows(values_only=True, max_row=...)``,
    ``close()``. The scan for error cells (mostly inflating the XML) runs in a thread while calamine reads."""
    global _scan_thread
    from python_calamine import CalamineWorkbook

    path = Path(path)
    try:
        wb = CalamineWorkbook.from_path(path)
    except Exception as e:  # noqa: BLE001 - calamine's ZipError/XmlError, not a zip file ...
        raise ParseError(
            path, "an XLSX workbook", type(e).__name__, message="cannot open the workbook"
        ) from None
    if _scan_thread is None:
        _scan_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chiso-xlsx-scan")
    return Workbook(path, wb, _scan_thread.submit(_has_error_cells, path))
