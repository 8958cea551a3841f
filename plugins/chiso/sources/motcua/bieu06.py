"""Biểu 06 workbooks (``motcua-bieu06-xlsx``) → ``motcua_bieu06``.

The header is found by its labels, never by position: a row with "STT" and, within the next rows, "Số hồ
sơ nhận giải quyết" / "Tổng số"; the column-number row "(1)" … "(13)" fixes the columns when present,
otherwise the three group labels (nhận / đã giải quyết / đang giải quyết) do. The period comes from "Từ
ngày dd/mm/yyyy đến ngày dd/mm/yyyy" in the title rows ("Tháng MM năm YYYY" or the file name as fallbacks),
the reporting unit from "Đơn vị báo cáo: …".

Body rows: ``total`` ("TỔNG CỘNG", "Tổng cộng", "Tổng số"), ``section`` (Roman-numeral STT), ``unit`` (the
rest, under the latest section). Rows without any figure (notes, signatures, blank lines) are skipped.
Numbers are numeric cells or text with Vietnamese separators ("1.234"); a bad figure rejects the row.

``source_row`` = worksheet row − the last header row (so the first body row is 1).

``meta["reconciliation"]``: for each of (3)…(13), the printed total vs the sum of the unit rows and vs the
sum of the section rows, and each section vs its units: ``{scope, column, printed, computed, ok}``.
``meta["identities"]``: rows breaking (3)=(4)+(5)+(6), (7)=(8)+(9)+(10), (11)=(12)+(13), (3)=(7)+(11)
(reported, not rejected: the quality gate decides).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from chiso.contracts.exports import BIEU06_MEASURES
from chiso.sources.base import ParsedBatch, ParseError, RowError
from chiso.sources.common import month_end, month_from_name, short
from chiso.sources.normalize import ValueParseError, fix_legacy, match_key, parse_count, parse_date_vn
from chiso.sources.tables import table_from_rows
from chiso.sources.workbook import open_workbook

DATASET = "motcua_bieu06"
FORMAT = "motcua-bieu06-xlsx"

MEASURES = BIEU06_MEASURES  # column number (3)..(13) -> raw column
IDENTITIES = [
    ("(3)=(4)+(5)+(6)", 3, (4, 5, 6)),
    ("(7)=(8)+(9)+(10)", 7, (8, 9, 10)),
    ("(11)=(12)+(13)", 11, (12, 13)),
    ("(3)=(7)+(11)", 3, (7, 11)),
]
_ROMAN = re.compile(r"^(?=[IVXLC]+$)M*(C[MD]|D?C{0,3})(X[CL]|L?X{0,3})(I[XV]|V?I{0,3})$")
_COLNUM = re.compile(r"^\(\s*(\d{1,2})\s*\)$")
_RANGE = re.compile(
    r"từ ngày\s*(\d{1,2}/\d{1,2}/\d{4}).*?đến ngày\s*(\d{1,2}/\d{1,2}/\d{4})", re.IGNORECASE | re.DOTALL
)
_MONTH = re.compile(r"tháng\s*(\d{1,2})\s*(?:năm|/)\s*(\d{4})", re.IGNORECASE)
_TOTAL_WORDS = ("tổng cộng", "tổng số", "tổng")


def _norm(v: Any) -> str:
    if v is None:
        return ""
    return re.sub(r"\s+", " ", (fix_legacy(str(v)) or "")).strip()


def _low(v: Any) -> str:
    return _norm(v).lower()


def _find_header(rows: list[tuple]) -> dict | None:
    """Locate the header block; return its geometry or None."""
    for r, row in enumerate(rows[:60]):
        cells = [_low(v) for v in row]
        if "stt" not in cells:
            continue
        stt_col = cells.index("stt")
        block = rows[r : r + 6]
        texts = [[_low(v) for v in b] for b in block]
        flat = " | ".join(" | ".join(t) for t in texts)
        if "số hồ sơ nhận" not in flat and "tổng số" not in flat:
            continue
        # column-number row
        colmap: dict[int, int] = {}
        last = r
        for k, b in enumerate(rows[r : r + 8]):
            nums = {}
            for c, v in enumerate(b):
                m = _COLNUM.match(_norm(v))
                if m:
                    nums[int(m.group(1))] = c
            if len(nums) >= 8:
                colmap = nums
                last = r + k
                break
        if not colmap:
            # group labels: received (3..6), resolved (7..10), pending (11..13)
            starts = {}
            for k, t in enumerate(texts):
                for c, s in enumerate(t):
                    if "nhận giải quyết" in s and "rec" not in starts:
                        starts["rec"] = c
                    elif "đã giải quyết" in s and "res" not in starts:
                        starts["res"] = c
                    elif "đang giải quyết" in s and "pen" not in starts:
                        starts["pen"] = c
                if "trong hạn" in " ".join(t) or "mới" in " ".join(t):
                    last = max(last, r + k)
            if len(starts) < 3:
                continue
            colmap = {1: stt_col, 2: stt_col + 1}
            for i in range(4):
                colmap[3 + i] = starts["rec"] + i
                colmap[7 + i] = starts["res"] + i
            for i in range(3):
                colmap[11 + i] = starts["pen"] + i
            # header rows: up to the last row holding a header label
            for k in range(1, 5):
                if r + k < len(rows) and any(
                    ("tổng số" in _low(v) or "trong hạn" in _low(v) or "mới" in _low(v) or "hạn" in _low(v))
                    for v in rows[r + k]
                ):
                    last = r + k
        colmap.setdefault(1, stt_col)
        colmap.setdefault(2, stt_col + 1)
        if not all(k in colmap for k in MEASURES):
            continue
        return {"header_row": r, "last_header_row": last, "cols": colmap}
    return None


def _title_info(rows: list[tuple], upto: int) -> dict:
    info: dict[str, Any] = {}
    for row in rows[:upto]:
        for v in row:
            s = _norm(v)
            if not s:
                continue
            m = _RANGE.search(s)
            if m and "period_start" not in info:
                try:
                    info["period_start"] = parse_date_vn(m.group(1))
                    info["period_end"] = parse_date_vn(m.group(2))
                except ValueParseError as e:
                    info["period_error"] = str(e)
            m2 = _MONTH.search(s)
            if m2 and "month" not in info and 1 <= int(m2.group(1)) <= 12:
                info["month"] = date(int(m2.group(2)), int(m2.group(1)), 1)
            low = s.lower()
            if low.startswith("đơn vị báo cáo") and "reporting_unit" not in info:
                info["reporting_unit"] = s.split(":", 1)[1].strip() if ":" in s else None
            if low.startswith("đơn vị nhận báo cáo"):
                info["receiving_unit"] = s.split(":", 1)[1].strip() if ":" in s else None
            if "biểu số" in low or "biểu mẫu" in low:
                info["form"] = s
    return info


def _number(v: Any) -> int | None:
    if v is None:
        return None
    if isinstance(v, str):
        s = v.strip()
        if s in ("", "-", "–"):
            return None
        return parse_count(s)
    return parse_count(v)


def parse_bieu06_xlsx(path: str | Path) -> ParsedBatch:
    path = Path(path)
    wb = open_workbook(path)
    try:
        names = wb.sheetnames
        order = [n for n in names if n.lower().replace(" ", "") in ("bieu06", "biểu06")] + names
        found = None
        for name in dict.fromkeys(order):
            ws = wb[name]
            rows = [tuple(r) for r in ws.iter_rows(values_only=True, max_row=5000)]
            geo = _find_header(rows)
            if geo:
                found = (name, rows, geo)
                break
    finally:
        wb.close()
    if not found:
        raise ParseError(
            path,
            "a Biểu 06 header row with 'STT', 'Số hồ sơ nhận giải quyết' and the column numbers (1)…(13)",
            f"no such header in sheet(s) {names}",
            message="no recognisable Biểu 06 header",
        )
    sheet, rows, geo = found
    cols = geo["cols"]
    last = geo["last_header_row"]
    info = _title_info(rows, geo["header_row"])
    p_start, p_end = info.get("period_start"), info.get("period_end")
    period_source = "title (Từ ngày … đến ngày …)"
    if p_start is None:
        m = info.get("month") or month_from_name(path)
        period_source = "title (Tháng … năm …)" if info.get("month") else "file name"
        if m:
            p_start, p_end = m, month_end(m)
        else:
            raise ParseError(
                path, "a reporting period ('Từ ngày … đến ngày …')", "none in the title rows or file name"
            )
    reporting_unit = info.get("reporting_unit")

    out: list[dict] = []
    rejects: list[RowError] = []
    rows_read = 0
    section_code = section_name = None
    skipped = 0
    for i in range(last + 1, len(rows)):
        row = rows[i]
        src_row = i - last

        def cell(k: int, row: tuple = row) -> Any:
            c = cols[k]
            return row[c] if c < len(row) else None

        raw_vals = {k: cell(k) for k in MEASURES}
        stt = _norm(cell(1))
        name = _norm(cell(2))
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw_vals.values()):
            if stt or name:
                skipped += 1
            continue
        rows_read += 1
        nums: dict[int, int | None] = {}
        bad = None
        for k, v in raw_vals.items():
            try:
                nums[k] = _number(v)
            except ValueParseError as e:
                bad = RowError(
                    row=src_row,
                    column=f"({k}) {MEASURES[k]}",
                    expected=e.expected,
                    found=short(v),
                    message=f"sheet {sheet}, worksheet row {i + 1}",
                )
                break
        if bad:
            rejects.append(bad)
            continue
        low_name, low_stt = name.lower(), stt.lower()
        if (
            any(low_name.startswith(w) for w in _TOTAL_WORDS[:2])
            or low_stt in _TOTAL_WORDS
            or (not stt and low_name in _TOTAL_WORDS)
        ):
            kind, sec, secname = "total", None, None
        elif _ROMAN.match(stt.upper().rstrip(".")) and stt:
            kind = "section"
            section_code, section_name = stt.upper().rstrip("."), name
            sec, secname = section_code, section_name
        else:
            kind, sec, secname = "unit", section_code, section_name
        rec = {
            "source_row": src_row,
            "period_start": p_start,
            "period_end": p_end,
            "reporting_unit": reporting_unit,
            "row_kind": kind,
            "section_code": sec,
            "section_name": secname,
            "stt": stt or None,
            "unit_name": name or None,
            "unit_key": match_key(name) if name else None,
        }
        for k, col in MEASURES.items():
            rec[col] = nums[k]
        out.append(rec)

    meta: dict[str, Any] = {
        "sheet": sheet,
        "header_row": geo["header_row"] + 1,
        "first_body_row": last + 2,
        "period_source": period_source,
        "reporting_unit": reporting_unit,
        "receiving_unit": info.get("receiving_unit"),
        "form": info.get("form"),
        "skipped_rows_without_figures": skipped,
    }
    meta["reconciliation"] = _reconcile(out)
    meta["identities"] = _identities(out)
    meta["reconciled"] = all(r["ok"] for r in meta["reconciliation"])
    return ParsedBatch(
        path=path,
        source_system="motcua",
        format=FORMAT,
        main_dataset=DATASET,
        period_start=p_start,
        period_end=p_end,
        tables={DATASET: table_from_rows(out, DATASET)},
        rows_read=rows_read,
        rejects=rejects,
        meta=meta,
    )


def _sum(rows: list[dict], col: str) -> int:
    return sum((r[col] or 0) for r in rows)


def _reconcile(out: list[dict]) -> list[dict]:
    res: list[dict] = []
    units = [r for r in out if r["row_kind"] == "unit"]
    sections = [r for r in out if r["row_kind"] == "section"]
    totals = [r for r in out if r["row_kind"] == "total"]
    for col in MEASURES.values():
        for t in totals[:1]:
            res.append(
                {
                    "scope": "total vs units",
                    "column": col,
                    "printed": t[col],
                    "computed": _sum(units, col),
                    "ok": (t[col] or 0) == _sum(units, col),
                }
            )
            if sections:
                res.append(
                    {
                        "scope": "total vs sections",
                        "column": col,
                        "printed": t[col],
                        "computed": _sum(sections, col),
                        "ok": (t[col] or 0) == _sum(sections, col),
                    }
                )
        for s in sections:
            mine = [u for u in units if u["section_code"] == s["section_code"]]
            res.append(
                {
                    "scope": f"section {s['section_code']} vs units",
                    "column": col,
                    "printed": s[col],
                    "computed": _sum(mine, col),
                    "ok": (s[col] or 0) == _sum(mine, col),
                }
            )
    return res


def _identities(out: list[dict]) -> list[dict]:
    bad = []
    for r in out:
        for label, lhs, rhs in IDENTITIES:
            left = r[MEASURES[lhs]] or 0
            right = sum((r[MEASURES[k]] or 0) for k in rhs)
            if left != right:
                bad.append(
                    {
                        "source_row": r["source_row"],
                        "row_kind": r["row_kind"],
                        "stt": r["stt"],
                        "unit_name": r["unit_name"],
                        "identity": label,
                        "left": left,
                        "right": right,
                    }
                )
    return bad
