"""Reading XLSX workbooks: calamine (fast), or openpyxl where calamine would lose error cells."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path
from typing import Any

from chiso.sources.base import ParseError

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
        """The sheet's rows from A1, as tuples of openpyxl-like values (see above); text typed with a legacy
        Vietnamese font (TCVN3, VNI) comes out as Unicode (chiso.sources.legacy_fonts)."""
        rows = self._raw_rows(values_only, max_row)
        charset = self._book.legacy_charset()
        if charset is None:
            yield from rows
        else:
            from chiso.sources.legacy_fonts import convert_rows

            yield from convert_rows(rows, charset)

    def _raw_rows(self, values_only: bool = True, max_row: int | None = None):
        assert values_only, "only values are read"
        try:
            rows = self._book._wb.get_sheet_by_name(self.title).to_python(
                skip_empty_area=False, nrows=max_row
            )
        except Exception as e:  # noqa: BLE001 - calamine's XmlError, ZipError ...
            rows, failure = None, e
        fallback = self._book._openpyxl()  # the scan for error cells ran meanwhile
        if fallback is not None:
            yield from fallback[self.title].iter_rows(values_only=True, max_row=max_row)
            return
        if rows is None:
            raise ParseError(
                self._book.path,
                "an XLSX workbook",
                f"{type(failure).__name__} in sheet {self.title!r}",
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

    def legacy_charset(self) -> str | None:
        """The legacy font charset the workbook's text is typed in (TCVN3, VNI), or None for Unicode: detected
        once, from the text of the first rows of every worksheet, before any header is looked for."""
        if not hasattr(self, "_legacy_charset"):
            from chiso.sources.legacy_fonts import detect_charset

            texts = [
                v
                for sheet in self.worksheets
                for row in sheet._raw_rows(max_row=60)
                for v in row
                if isinstance(v, str)
            ]
            self._legacy_charset = detect_charset(texts)
        return self._legacy_charset

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
