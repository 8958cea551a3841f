"""The plan workbook as an office receives it (``chiso template plans FILE.xlsx``): the two sheets with their
Vietnamese headers (``chiso.contracts.exports.PLAN_HEADERS``), a notes sheet, and drop-down lists (data
validation) of the current KPIs, units, levels, directions and yes/no, kept on the sheet Danh mục.

The one writer of the layout: the sample generator fills the same workbook through ``write_workbook``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from chiso.contracts.exports import (
    PLAN_FIGURE_SHEET,
    PLAN_HEADERS,
    PLAN_LISTS_SHEET,
    PLAN_NOTES_SHEET,
    PLAN_TARGET_SHEET,
)
from chiso.contracts.vocabularies import KPI_DIRECTION, PLAN_UNIT_LEVEL, YES_NO
from chiso.sources.plans import reference

NOTES = (
    "Kế hoạch, chỉ tiêu — mẫu nhập liệu của chiso",
    "",
    "Sheet 'Chỉ tiêu': mỗi dòng một chỉ tiêu (mục tiêu) cho một đơn vị và một thời hạn, kèm căn cứ pháp lý.",
    "Sheet 'Số liệu báo cáo': các chỉ số, số liệu do cơ quan khác công bố (DTI, PAR Index, SIPAS, PAPI, PCI, "
    "kỹ năng số, hạ tầng số …): kỳ công bố, giá trị, thang đo, thứ hạng, nguồn và ngày công bố.",
    "",
    "Cột có dấu * là bắt buộc. Chọn chỉ tiêu và đơn vị trong danh sách thả xuống (sheet 'Danh mục'); "
    "đơn vị cấp sở, ngành ghi mã định danh (ví dụ H14.07).",
    "Tỷ lệ (%) ghi từ 0 đến 100, dấu thập phân là dấu phẩy (72,58). Thứ hạng là số nguyên từ 1.",
    "Thời hạn ghi năm (2025, hiểu là 31/12/2025) hoặc ngày dd/mm/yyyy; phải sau ngày cơ sở và không trước "
    "ngày văn bản.",
    "Mỗi chỉ tiêu × đơn vị × thời hạn chỉ một dòng. Văn bản sau (ngày văn bản muộn hơn) đặt lại cùng chỉ tiêu "
    "× đơn vị × thời hạn sẽ thay thế văn bản trước từ ngày của nó; lịch sử vẫn được giữ.",
    "Dòng sai được trả lại kèm lỗi (sheet, dòng, cột, giá trị cần có, giá trị đã ghi); các dòng đúng vẫn được "
    "nạp.",
)


def _lists(on: date, province_code: str | None) -> dict[str, list[str]]:
    return {
        "kpi": [k.name_vi for k in reference.kpis().values()],
        "unit": [reference.listed(u) for u in reference.current_units(on, province_code)],
        "unit_level": [PLAN_UNIT_LEVEL.label(c) for c in PLAN_UNIT_LEVEL.codes],
        "direction": [KPI_DIRECTION.label(c) for c in KPI_DIRECTION.codes],
        "is_verified": [YES_NO.label(c) for c in YES_NO.codes],
    }


def write_workbook(
    path: str | Path,
    targets: Iterable[Mapping[str, Any]] = (),
    figures: Iterable[Mapping[str, Any]] = (),
    *,
    province_code: str | None = None,
    on: date | None = None,
    rows: int = 200,
) -> Path:
    """Write the plan workbook: blank, or with rows (field → cell value, fields of ``PLAN_HEADERS``).

    ``province_code`` limits the units' drop-down to one province; ``on`` is the date the lists are current
    on (today); ``rows`` how many rows carry the drop-downs."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    on = on or date.today()
    wb = Workbook()
    notes = wb.active
    notes.title = PLAN_NOTES_SHEET
    for i, line in enumerate(NOTES, start=1):
        notes.cell(i, 1, line).font = Font(bold=i == 1)
    notes.column_dimensions["A"].width = 120

    lists = wb.create_sheet(PLAN_LISTS_SHEET)
    ranges = {}
    for c, (field, values) in enumerate(_lists(on, province_code).items(), start=1):
        lists.cell(
            1,
            c,
            {
                "kpi": "Chỉ tiêu",
                "unit": "Đơn vị",
                "unit_level": "Cấp đơn vị",
                "direction": "Chiều",
                "is_verified": "Đã kiểm chứng",
            }[field],
        ).font = Font(bold=True)
        for r, value in enumerate(values, start=2):
            lists.cell(r, c, value)
        col = get_column_letter(c)
        ranges[field] = f"'{PLAN_LISTS_SHEET}'!${col}$2:${col}${len(values) + 1}"
        lists.column_dimensions[col].width = 45

    data = {PLAN_TARGET_SHEET: list(targets), PLAN_FIGURE_SHEET: list(figures)}
    for sheet, header in PLAN_HEADERS.items():
        ws = wb.create_sheet(sheet, index=1 if sheet == PLAN_TARGET_SHEET else 2)
        for c, (label, field) in enumerate(header, start=1):
            cell = ws.cell(1, c, label)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            ws.column_dimensions[get_column_letter(c)].width = 30 if field in ("kpi", "unit", "note") else 16
            if field in ranges:
                dv = DataValidation(
                    type="list",
                    formula1=ranges[field],
                    allow_blank=True,
                    showErrorMessage=field != "unit",  # a department is written by its code
                    errorTitle="Giá trị không có trong danh mục",
                    error=f"Chọn trong danh sách (sheet {PLAN_LISTS_SHEET}).",
                )
                ws.add_data_validation(dv)
                dv.add(f"{get_column_letter(c)}2:{get_column_letter(c)}{max(rows, len(data[sheet])) + 1}")
        ws.freeze_panes = "A2"
        for r, item in enumerate(data[sheet], start=2):
            ws.cell(r, 1, r - 1)
            for c, (_, field) in enumerate(header, start=1):
                if field != "stt" and item.get(field) is not None:
                    ws.cell(r, c, item[field])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
