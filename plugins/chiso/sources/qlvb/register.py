"""Document registers (``qlvb-register-xlsx`` / ``qlvb-register-csv``) → ``qlvb_document``.

Sheet ``SoVanBan`` (else the first sheet holding the header). The header row is the first row carrying at
least six of the known labels (compared on lowercase NFC text; TCVN3/VNI text is repaired first). The
summary column "Trích yếu" (may carry names) is never read. Period from "Tháng MM/YYYY" in the title rows,
else the file name (``sovanban_<PP>_<YYYY-MM>``). ``source_row`` = row number after the header row.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from chiso.contracts.exports import REGISTER_HEADER, REGISTER_SHEET
from chiso.contracts.vocabularies import CONFIDENTIALITY, DOCUMENT_DIRECTION, DOCUMENT_FORM, YES_NO
from chiso.sources.base import ParsedBatch, ParseError, RowError
from chiso.sources.common import (
    check_delimiter,
    month_end,
    month_from_name,
    one_of,
    per_value,
    read_text_csv,
    short,
    words,
)
from chiso.sources.normalize import ValueParseError, fix_legacy, map_value, parse_date_vn
from chiso.sources.tables import table_from_rows
from chiso.sources.workbook import open_workbook

DATASET = "qlvb_document"
FORMAT_XLSX = "qlvb-register-xlsx"
FORMAT_CSV = "qlvb-register-csv"

# label (lowercase NFC) -> field; None = recognised but never loaded. The contract's header, with "stt" kept to
# recognise the row number and the variant "Số ký hiệu" (no comma) accepted
LABELS: dict[str, str | None] = {}
for _label, _field in REGISTER_HEADER:
    LABELS[_label.lower()] = "stt" if _label == "STT" else _field
    if _label == "Số, ký hiệu":
        LABELS["số ký hiệu"] = _field
del _label, _field
REQUIRED = ["document_number", "issued_on", "agency_code", "direction"]
DIRECTION = words(DOCUMENT_DIRECTION)
FORM = words(DOCUMENT_FORM)
YESNO = words(YES_NO)
SECRECY = words(CONFIDENTIALITY)

_MONTH = re.compile(r"tháng\s*(\d{1,2})\s*[/-]\s*(\d{4})", re.IGNORECASE)
_FIELD_NAMES = {v: k for k, v in LABELS.items() if v}


def _label(v: Any) -> str:
    return re.sub(r"\s+", " ", fix_legacy(str(v)) or "").strip().lower() if v is not None else ""


def _find_header(rows: list[list[Any]]) -> tuple[int, dict[str, int], dict[str, str]] | None:
    """(header row index, field -> column, field -> the label as printed)."""
    for r, row in enumerate(rows[:40]):
        cols: dict[str, int] = {}
        printed: dict[str, str] = {}
        hits = 0
        for c, v in enumerate(row):
            lab = _label(v)
            if lab in LABELS:
                hits += 1
                f = LABELS[lab]
                if f and f not in cols:
                    cols[f] = c
                    printed[f] = re.sub(r"\s+", " ", str(v)).strip()
        if hits >= 6:
            return r, cols, printed
    return None


def _parse_rows(path: Path, rows: list[list[Any]], fmt: str, sheet: str | None) -> ParsedBatch:
    found = _find_header(rows)
    if not found:
        raise ParseError(
            path,
            "a register header row (STT | Số, ký hiệu | Ngày văn bản | … | Ngày hoàn thành)",
            f"no such row in the first 40 rows{f' of sheet {sheet}' if sheet else ''}",
            message="no recognisable header",
        )
    hr, cols, printed = found
    missing = [f for f in REQUIRED if f not in cols]
    if missing:
        raise ParseError(
            path,
            "columns " + ", ".join(_FIELD_NAMES[f] for f in REQUIRED),
            "header without " + ", ".join(_FIELD_NAMES[f] for f in missing),
            column=",".join(_FIELD_NAMES[f] for f in missing),
            message="missing or renamed column(s)",
        )
    period = None
    agency_title = None
    for row in rows[:hr]:
        for v in row:
            m = _MONTH.search(_label(v))
            if m and period is None and 1 <= int(m.group(1)) <= 12:
                period = date(int(m.group(2)), int(m.group(1)), 1)
                rest = str(v).split("-", 1)
                agency_title = rest[1].strip() if len(rest) > 1 else None
    period_source = "title"
    if period is None:
        period, period_source = month_from_name(path), "file name"
    out: list[dict] = []
    rejects: list[RowError] = []
    rows_read = 0
    # per-value caches (one per file): the same types, agencies, words and dates recur on every row
    to_date = per_value(parse_date_vn)
    to_text = per_value(lambda v: (fix_legacy(str(v)).strip() or None) if v is not None else None)
    to_direction = per_value(lambda v: map_value(v, DIRECTION, one_of(DOCUMENT_DIRECTION)))
    to_form = per_value(lambda v: map_value(v, FORM, one_of(DOCUMENT_FORM)))
    to_yesno = per_value(lambda v: map_value(v, YESNO, one_of(YES_NO)))
    to_secrecy = per_value(lambda v: map_value(v, SECRECY, one_of(CONFIDENTIALITY)))
    for i in range(hr + 1, len(rows)):
        row = rows[i]
        vals = {f: (row[c] if c < len(row) else None) for f, c in cols.items() if f != "stt"}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in vals.values()):
            continue
        rows_read += 1
        src = i - hr
        rec: dict[str, Any] = {"source_row": src, "period_month": period}
        try:
            col = "document_number"
            num = vals.get(col)
            rec[col] = str(num).strip() if num not in (None, "") else None
            if rec[col] is None:
                raise ValueParseError("a document number", "")
            for col in ("issued_on", "due_on", "completed_on"):
                rec[col] = to_date(vals.get(col))
            if rec["issued_on"] is None:
                col = "issued_on"
                raise ValueParseError("a date dd/mm/yyyy", "")
            for col in ("document_type", "issuing_agency", "agency_code"):
                rec[col] = to_text(vals.get(col))
            col = "agency_code"
            if not rec["agency_code"]:
                raise ValueParseError("an agency code", "")
            col = "direction"
            rec[col] = to_direction(vals.get(col))
            if rec[col] is None:
                raise ValueParseError(one_of(DOCUMENT_DIRECTION), "")
            col = "form"
            rec[col] = to_form(vals.get(col))
            col = "digitally_signed"
            yn = to_yesno(vals.get(col))
            rec[col] = None if yn is None else yn == "true"
            col = "confidentiality"
            rec[col] = to_secrecy(vals.get(col))
        except ValueParseError as e:
            rejects.append(
                RowError(
                    row=src,
                    column=printed.get(col, _FIELD_NAMES.get(col, col)),
                    expected=e.expected,
                    found=short(e.found),
                    message=e.message,
                )
            )
            continue
        out.append(rec)
    return ParsedBatch(
        path=path,
        source_system="qlvb",
        format=fmt,
        main_dataset=DATASET,
        period_start=period,
        period_end=month_end(period) if period else None,
        tables={DATASET: table_from_rows(out, DATASET)},
        rows_read=rows_read,
        rejects=rejects,
        meta={
            "sheet": sheet,
            "header_row": hr + 1,
            "period_source": period_source,
            "agency_in_title": agency_title,
            "summary_column_loaded": False,
        },
    )


def parse_register(path: str | Path) -> ParsedBatch:
    """Parse a register export, XLSX or CSV (by extension)."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        rows = read_text_csv(path, expect="a document register CSV")
        if rows:
            check_delimiter(path, rows[0], "document register")
        return _parse_rows(path, rows, FORMAT_CSV, None)

    wb = open_workbook(path)
    try:
        names = wb.sheetnames
        order = [n for n in names if n.lower() == REGISTER_SHEET.lower()] + names
        for name in dict.fromkeys(order):
            rows = [list(r) for r in wb[name].iter_rows(values_only=True)]
            if _find_header(rows):
                return _parse_rows(path, rows, FORMAT_XLSX, name)
    finally:
        wb.close()
    raise ParseError(
        path,
        "a sheet 'SoVanBan' with the register header",
        f"sheets {names} without it",
        message="no recognisable header",
    )
