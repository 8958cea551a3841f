"""Vietnamese wording and formats of everything people read: status names and colours, numbers, dates.

The one place for them: the terminal table, the HTML report, its workbook and its charts all take their labels
and formats from here (Babel ``vi_VN``: 72,58%; 1.497; Tháng 10/2025).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

LOCALE = "vi_VN"

#: mart status code → Vietnamese name (the codes are mart_kpi_progress.status's accepted values)
STATUS_VI = {
    "achieved": "Đạt",
    "on_track": "Đúng tiến độ",
    "at_risk": "Có nguy cơ",
    "off_track": "Chậm tiến độ",
    "not_achieved": "Chưa đạt",
    "no_target": "Chưa có chỉ tiêu",
    "no_data": "Không có dữ liệu",
}

#: status → colour; Okabe–Ito colours (told apart with any colour vision), always shown beside the status's
#: name, never alone; text on them passes WCAG AA contrast (dark text on light fills)
STATUS_COLOUR = {
    "achieved": "#009E73",
    "on_track": "#56B4E9",
    "at_risk": "#E69F00",
    "off_track": "#D55E00",
    "not_achieved": "#CC79A7",
    "no_target": "#BBBBBB",
    "no_data": "#DDDDDD",
}

#: the order statuses are listed in (worst first)
STATUS_ORDER = ("off_track", "not_achieved", "at_risk", "on_track", "achieved", "no_data", "no_target")

UNIT_LABEL = {"percent": "%", "count": "số", "score": "điểm"}

PERIOD_TYPE_VI = {"month": "Tháng", "quarter": "Quý", "year": "Năm", "range": "Khoảng"}

LEVEL_VI = {"province": "Tỉnh", "district": "Huyện", "commune": "Xã", "department": "Sở, ngành"}

MANIFEST_STATUS_VI = {"loaded": "Đã nạp", "quarantined": "Cách ly", "superseded": "Đã thay thế"}

SEVERITY_VI = {"error": "Lỗi", "warning": "Cảnh báo"}

DASH = "—"


def status_name(code: str | None) -> str:
    return STATUS_VI.get(code or "", code or DASH)


def number(value, digits: int = 0) -> str:
    """1.497 or 12,5 (``digits`` decimals); a dash for null (null is not zero)."""
    if value is None:
        return DASH
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(Decimal(str(value)), format=pattern, locale=LOCALE)


def percent(value, digits: int = 2) -> str:
    """A value already on the 0–100 scale as 72,58%."""
    if value is None:
        return DASH
    return number(value, digits) + "%"


def points(value, digits: int = 2) -> str:
    """A difference in percentage points, signed: +1,25 điểm %."""
    if value is None:
        return DASH
    sign = "+" if value > 0 else ""
    return f"{sign}{number(value, digits)} điểm %"


def signed(value, digits: int = 2) -> str:
    if value is None:
        return DASH
    return ("+" if value > 0 else "") + number(value, digits)


def month(d: date | None) -> str:
    """Tháng 10/2025."""
    if d is None:
        return DASH
    return format_date(d, "'Tháng' M/y", locale=LOCALE)


def day(d: date | datetime | None) -> str:
    """04/12/2026."""
    if d is None:
        return DASH
    if isinstance(d, datetime):
        d = d.date()
    return format_date(d, "dd/MM/y", locale=LOCALE)


def moment(t: datetime | None) -> str:
    """04/12/2026 12:25 (the time as stored, UTC)."""
    if t is None:
        return DASH
    return format_datetime(t, "dd/MM/y HH:mm", locale=LOCALE)


def period(start: date | None, kind: str | None, complete: bool | None = None) -> str:
    """Tháng 10/2025, Quý 4/2025, Năm 2025 (with "đến nay" for a period not yet complete)."""
    if start is None:
        return ""
    if kind == "year":
        label = f"Năm {start.year}"
    elif kind == "quarter":
        label = f"Quý {(start.month - 1) // 3 + 1}/{start.year}"
    elif kind == "month":
        label = month(start)
    else:
        label = day(start)
    if complete is False:
        label += " (đến nay)"
    return label


#: d3-format locale for the charts' axes (d3 has no vi-VN locale of its own)
D3_FORMAT_LOCALE = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", " ₫"], "percent": "%"}
