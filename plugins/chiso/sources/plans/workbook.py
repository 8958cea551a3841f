"""Plan workbooks (``plans-xlsx``) → ``plan_item`` (docs/PLANS.md).

Two sheets, each with a header row of the contract's labels (``chiso.contracts.exports.PLAN_HEADERS``, found
in the first 20 rows, compared without the ``*`` marks): **Chỉ tiêu** (targets) and **Số liệu báo cáo**
(reported figures); at least the first. ``source_row`` numbers the data rows of the workbook in order (the
targets, then the figures); every rejected row's error names its sheet and its row as the spreadsheet shows it.

Row rules (a row breaking one is rejected with sheet, row, column, expected and found; the rest loads):

- the KPI is a code or Vietnamese name of the KPI catalogue; the unit a province, commune (code or name) or
  department (agency identifier) valid on the document's date, at the level written when one is;
- values in range for the KPI's unit: a percentage within 0-100, a rank a whole number >= 1 (and not above
  the number ranked), a count a whole number >= 0; a target has a value, a figure a value or a rank;
- a target has a horizon (a year or a date) after its baseline date and not before its document;
- every row has its document: number, date and (targets) issuing body;
- one row per KPI x unit x horizon (targets) or KPI x unit x edition (figures) in a workbook: later copies
  are rejected; direction and verified flag are words of their vocabularies.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from chiso.contracts.exports import PLAN_FIGURE_SHEET, PLAN_HEADERS, PLAN_TARGET_SHEET
from chiso.contracts.vocabularies import KPI_DIRECTION, PLAN_UNIT_LEVEL, YES_NO
from chiso.sources.base import ParsedBatch, ParseError, RowError
from chiso.sources.common import one_of, short, words
from chiso.sources.normalize import (
    ValueParseError,
    fix_legacy,
    map_value,
    match_key,
    parse_count,
    parse_date_vn,
    parse_decimal,
)
from chiso.sources.plans import reference
from chiso.sources.tables import table_from_rows
from chiso.sources.workbook import open_workbook

DATASET = "plan_item"
FORMAT = "plans-xlsx"
SHEET_CODE = {PLAN_TARGET_SHEET: "target", PLAN_FIGURE_SHEET: "reported_figure"}
LEVEL = words(PLAN_UNIT_LEVEL)
DIRECTION = words(KPI_DIRECTION)
YESNO = words(YES_NO)
_YEAR = re.compile(r"^(?:năm\s*)?(\d{4})$", re.IGNORECASE)
RANGES = {"percent": (0.0, 100.0)}


def _label(v: Any) -> str:
    return (
        re.sub(r"\s+", " ", (fix_legacy(str(v)) or "").replace("*", "")).strip().lower()
        if v is not None
        else ""
    )


def labels(sheet: str) -> dict[str, str]:
    """Header label (lowercase, without ``*``) → field, for a sheet."""
    return {_label(lab): field for lab, field in PLAN_HEADERS[sheet]}


def _find_header(rows: list[list[Any]], sheet: str) -> tuple[int, dict[str, int], dict[str, str]] | None:
    known = labels(sheet)
    printed_of = {field: lab.replace(" *", "") for lab, field in PLAN_HEADERS[sheet]}
    for r, row in enumerate(rows[:20]):
        cols = {known[_label(v)]: c for c, v in enumerate(row) if _label(v) in known}
        if len(cols) >= len(known) - 2:
            return r, cols, printed_of
    return None


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = (fix_legacy(str(v)) or "").strip()
    return s or None


class _Row:
    """The cells of one data row and the error of its first broken rule."""

    def __init__(self, sheet: str, excel_row: int, vals: dict[str, Any], printed: dict[str, str]):
        self.sheet, self.excel_row, self.vals, self.printed = sheet, excel_row, vals, printed

    def fail(self, field: str, expected: str, found: Any, message: str = "") -> ValueParseError:
        e = ValueParseError(expected, short(found), message)
        e.field = field  # type: ignore[attr-defined]
        return e


def _year_or_date(row: _Row, field: str, expected: str) -> tuple[int, date | None]:
    """(year, date or None) of a cell holding a year (2025, "năm 2025") or a date."""
    v = row.vals.get(field)
    if v is None or (isinstance(v, str) and not v.strip()):
        raise row.fail(field, expected, "")
    if isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer() and 1900 < v < 2200:
        return int(v), None
    s = _text(v) or ""
    m = _YEAR.match(s)
    if m:
        return int(m.group(1)), None
    try:
        d = parse_date_vn(v)
    except ValueParseError:
        raise row.fail(field, expected, v) from None
    return d.year, d


def _common(row: _Row, rec: dict[str, Any]) -> tuple[reference.Kpi, date]:
    """KPI, document, verified flag, note: the cells both sheets share. Returns the KPI and the document date."""
    v = row.vals
    kpi_cell = _text(v.get("kpi"))
    if kpi_cell is None:
        raise row.fail("kpi", "a KPI code or name of the catalogue", "")
    code = reference.kpi_by_name().get(match_key(kpi_cell))
    if code is None:
        raise row.fail("kpi", "a KPI code or name of the catalogue (sheet Danh mục)", kpi_cell, "unknown KPI")
    kpi = reference.kpis()[code]
    rec["kpi_code"] = code
    rec["document_number"] = _text(v.get("document_number"))
    if rec["document_number"] is None:
        raise row.fail(
            "document_number",
            "the document's number and symbol (legal basis)",
            "",
            "every row needs its document",
        )
    try:
        rec["document_date"] = parse_date_vn(v.get("document_date"))
    except ValueParseError as e:
        raise row.fail("document_date", "a date dd/mm/yyyy", e.found) from None
    if rec["document_date"] is None:
        raise row.fail("document_date", "the document's date dd/mm/yyyy", "", "every row needs its document")
    rec["issuing_body"] = _text(v.get("issuing_body"))
    rec["document_article"] = _text(v.get("document_article"))
    try:
        yn = map_value(v.get("is_verified"), YESNO, one_of(YES_NO))
    except ValueParseError as e:
        raise row.fail("is_verified", one_of(YES_NO), e.found) from None
    rec["is_verified"] = yn == "true"
    rec["note"] = _text(v.get("note"))
    return kpi, rec["document_date"]


def _unit(row: _Row, rec: dict[str, Any], on: date) -> None:
    v = row.vals
    try:
        level = map_value(v.get("unit_level"), LEVEL, one_of(PLAN_UNIT_LEVEL))
    except ValueParseError as e:
        raise row.fail("unit_level", one_of(PLAN_UNIT_LEVEL), e.found) from None
    written = _text(v.get("unit"))
    if written is None:
        raise row.fail("unit", "a unit code or name", "")
    unit, why = reference.find_unit(written, level, on)
    if unit is None:
        raise row.fail("unit", why, written, "unknown unit or not valid on the document's date")
    rec["unit_level"] = unit.level
    rec["unit_code"] = unit.code
    rec["unit_valid_from"] = None if unit.level == "department" else unit.valid_from
    rec["province_code"] = unit.province_code


def _value(row: _Row, field: str, kpi: reference.Kpi, *, required: bool) -> float | None:
    raw = row.vals.get(field)
    s = _text(raw)
    try:
        value = parse_decimal(s[:-1] if s and s.endswith("%") else raw)
    except ValueParseError as e:
        raise row.fail(field, "a number (decimal comma, e.g. 72,58)", e.found) from None
    if value is None:
        if required:
            raise row.fail(field, "a value", "")
        return None
    if kpi.unit in RANGES:
        lo, hi = RANGES[kpi.unit]
        if not lo <= value <= hi:
            raise row.fail(field, f"a {kpi.unit} of {kpi.code} within {lo:g}-{hi:g}", raw, "out of range")
    if kpi.unit == "count" and (value < 0 or not float(value).is_integer()):
        raise row.fail(field, f"a count of {kpi.code}: a whole number >= 0", raw, "out of range")
    if kpi.unit == "rank" and (value < 1 or not float(value).is_integer()):
        raise row.fail(field, f"a rank of {kpi.code}: a whole number >= 1", raw, "out of range")
    return value


def _target(row: _Row, rec: dict[str, Any]) -> None:
    kpi, doc_date = _common(row, rec)
    _unit(row, rec, doc_date)
    rec["value"] = _value(row, "value", kpi, required=True)
    try:
        direction = map_value(row.vals.get("direction"), DIRECTION, one_of(KPI_DIRECTION))
    except ValueParseError as e:
        raise row.fail("direction", one_of(KPI_DIRECTION), e.found) from None
    rec["direction"] = direction or kpi.direction
    year, d = _year_or_date(row, "horizon", "a year (2025) or a date dd/mm/yyyy")
    rec["horizon_date"] = d or date(year, 12, 31)
    if rec["horizon_date"] < doc_date:
        raise row.fail(
            "horizon",
            f"a horizon on or after the document's date {doc_date:%d/%m/%Y}",
            row.vals.get("horizon"),
            "a target looks forward",
        )
    rec["baseline_value"] = _value(row, "baseline_value", kpi, required=False)
    try:
        rec["baseline_date"] = parse_date_vn(row.vals.get("baseline_date"))
    except ValueParseError as e:
        raise row.fail("baseline_date", "a date dd/mm/yyyy", e.found) from None
    if rec["baseline_date"] is not None and rec["baseline_date"] >= rec["horizon_date"]:
        raise row.fail(
            "horizon",
            f"a horizon after the baseline date {rec['baseline_date']:%d/%m/%Y}",
            row.vals.get("horizon"),
        )
    if rec["issuing_body"] is None:
        raise row.fail(
            "issuing_body", "the body that issued the legal basis", "", "every target needs its legal basis"
        )


def _figure(row: _Row, rec: dict[str, Any]) -> None:
    kpi, doc_date = _common(row, rec)
    year, d = _year_or_date(row, "edition", "the edition: a year (2024) or a date dd/mm/yyyy")
    rec["edition_year"], rec["as_of_date"] = year, d
    _unit(row, rec, d or doc_date)
    rec["value"] = _value(
        row, "value", kpi if kpi.unit != "rank" else reference.Kpi("", "", "score", ""), required=False
    )
    rec["scale"] = _text(row.vals.get("scale"))
    for field in ("rank", "rank_out_of"):
        try:
            rec[field] = parse_count(row.vals.get(field))
        except ValueParseError as e:
            raise row.fail(field, "a whole number", e.found) from None
    if kpi.unit == "rank" and rec["rank"] is None and rec["value"] is not None:
        if rec["value"] < 1 or not float(rec["value"]).is_integer():
            raise row.fail(
                "value", f"a rank of {kpi.code}: a whole number >= 1", row.vals.get("value"), "out of range"
            )
        rec["rank"], rec["value"] = int(rec["value"]), None  # a rank KPI written in the value column
    if rec["rank"] is not None and (
        rec["rank"] < 1 or (rec["rank_out_of"] and rec["rank"] > rec["rank_out_of"])
    ):
        raise row.fail(
            "rank", f"a rank from 1 to {rec['rank_out_of'] or '…'}", row.vals.get("rank"), "out of range"
        )
    if rec["value"] is None and rec["rank"] is None:
        raise row.fail("value", "a value or a rank", "", "the row reports nothing")
    rec["direction"] = kpi.direction


def parse_plans(path: str | Path) -> ParsedBatch:
    path = Path(path)
    wb = open_workbook(path)
    try:
        sheets = {}
        for name in wb.sheetnames:
            for sheet in PLAN_HEADERS:
                if _label(name) == _label(sheet):
                    sheets[sheet] = [list(r) for r in wb[name].iter_rows(values_only=True)]
    finally:
        wb.close()
    if PLAN_TARGET_SHEET not in sheets:
        raise ParseError(
            path,
            f"a sheet '{PLAN_TARGET_SHEET}' (and '{PLAN_FIGURE_SHEET}')",
            f"sheets {wb.sheetnames}",
            message="not a plan workbook (chiso template plans writes one)",
        )
    out: list[dict] = []
    rejects: list[RowError] = []
    seen: dict[tuple, str] = {}
    n = 0
    for sheet, rows in sheets.items():
        found = _find_header(rows, sheet)
        if not found:
            raise ParseError(
                path,
                " | ".join(lab for lab, _ in PLAN_HEADERS[sheet]),
                f"no such header row in the first 20 rows of sheet {sheet}",
                message="missing or renamed columns",
            )
        hr, cols, printed = found
        for i in range(hr + 1, len(rows)):
            vals = {f: (rows[i][c] if c < len(rows[i]) else None) for f, c in cols.items() if f != "stt"}
            if all(x is None or (isinstance(x, str) and not x.strip()) for x in vals.values()):
                continue
            n += 1
            row = _Row(sheet, i + 1, vals, printed)
            rec: dict[str, Any] = {"source_row": n, "sheet": SHEET_CODE[sheet], "sheet_row": i + 1}
            try:
                (_target if sheet == PLAN_TARGET_SHEET else _figure)(row, rec)
                key = (
                    rec["sheet"],
                    rec["kpi_code"],
                    rec["unit_code"],
                    rec.get("horizon_date"),
                    rec.get("edition_year"),
                    rec.get("as_of_date"),
                )
                if key in seen:
                    raise row.fail(
                        "horizon" if sheet == PLAN_TARGET_SHEET else "edition",
                        "one row per KPI x unit x horizon"
                        if sheet == PLAN_TARGET_SHEET
                        else "one row per KPI x unit x edition",
                        row.vals.get("horizon" if sheet == PLAN_TARGET_SHEET else "edition"),
                        f"duplicate of {seen[key]}",
                    )
                seen[key] = f"sheet {sheet}, row {i + 1}"
            except ValueParseError as e:
                field = getattr(e, "field", None)
                rejects.append(
                    RowError(
                        row=n,
                        column=f"{sheet}: {printed.get(field, field)}",
                        expected=e.expected,
                        found=e.found,
                        message=f"sheet {sheet}, row {i + 1}" + (f": {e.message}" if e.message else ""),
                    )
                )
                continue
            out.append(rec)
    dates = [r["document_date"] for r in out]
    return ParsedBatch(
        path=path,
        source_system="plans",
        format=FORMAT,
        main_dataset=DATASET,
        period_start=min(dates) if dates else None,
        period_end=max(dates) if dates else None,
        tables={DATASET: table_from_rows(out, DATASET)},
        rows_read=n,
        rejects=rejects,
        meta={"sheets": list(sheets), "documents": sorted({r["document_number"] for r in out})},
    )
