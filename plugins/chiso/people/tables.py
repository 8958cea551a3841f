"""The report's tables, defined once: the HTML pages format them, the XLSX workbook writes their values.

A table is a title, columns (Vietnamese header, how to get the value from a row, its kind) and rows. The kind
decides the formatting: in HTML through :mod:`chiso.people.vi`, in the workbook as a cell number format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chiso.people import vi
from chiso.people.data import Province, Snapshot


@dataclass(frozen=True)
class Col:
    header: str
    get: Callable[[dict], Any]
    kind: str = "text"  # text | number | decimal | percent | points | month | day | moment | status


@dataclass
class Table:
    key: str  # the workbook sheet's name and the HTML table's id
    title: str
    cols: list[Col]
    rows: list[dict]


def fmt(value, kind: str) -> str:
    """A cell as the HTML shows it."""
    if kind == "number":
        return vi.number(value)
    if kind == "decimal":
        return vi.number(value, 2)
    if kind == "percent":
        return vi.percent(value)
    if kind == "points":
        return vi.points(value)
    if kind == "signed":
        return vi.signed(value)
    if kind == "month":
        return vi.month(value)
    if kind == "day":
        return vi.day(value)
    if kind == "moment":
        return vi.moment(value)
    if kind == "status":
        return vi.status_name(value)
    return vi.DASH if value is None else str(value)


def _k(name: str) -> Callable[[dict], Any]:
    return lambda r: r.get(name)


def legal_basis(r: dict) -> str | None:
    basis = r.get("target_legal_basis")
    if not basis:
        return None
    parts = [basis]
    if r.get("target_legal_basis_article"):
        parts.append(str(r["target_legal_basis_article"]))
    if r.get("target_legal_basis_date"):
        parts.append("ngày " + vi.day(r["target_legal_basis_date"]))
    return ", ".join(parts)


def target_text(r: dict) -> str | None:
    if r.get("target_value") is None:
        return None
    return f"{r.get('target_comparator') or ''} {vi.percent(r['target_value'])}".strip()


PROGRESS_COLS = [
    Col("Chỉ số", _k("kpi_name_vi")),
    Col("Kỳ", _k("period_start"), "month"),
    Col("Thực hiện", _k("actual"), "percent"),
    Col("Tử số", _k("numerator"), "number"),
    Col("Mẫu số", _k("denominator"), "number"),
    Col("Mục tiêu", target_text),
    Col("Thời hạn", _k("target_horizon_date"), "day"),
    Col("Theo lộ trình", _k("expected_on_path"), "percent"),
    Col("Trạng thái", _k("status"), "status"),
    Col("Dự báo tại thời hạn", _k("projected_at_horizon"), "percent"),
    Col("Cần cải thiện mỗi tháng", _k("monthly_improvement_needed"), "points"),
    Col("Căn cứ pháp lý", legal_basis),
]


def rank_text(r: dict, rank: str = "rank", out_of: str = "rank_out_of") -> str | None:
    """A rank as "3/15" (or "3" when the number ranked is not known)."""
    if r.get(rank) is None:
        return None
    return f"{r[rank]}/{r[out_of]}" if r.get(out_of) else str(r[rank])


def level(r: dict) -> str | None:
    return vi.LEVEL_VI.get(r.get("unit_level"), r.get("unit_level"))


SCORECARD_COLS = [
    Col("Nhóm chỉ số 766", _k("group_code")),
    Col("Kỳ", _k("period_start"), "month"),
    Col("Điểm", _k("published_score"), "decimal"),
    Col("Điểm tối đa", _k("published_max_score"), "decimal"),
    Col("Tỷ lệ điểm", _k("published_pct_of_max"), "percent"),
    Col("Xếp hạng", lambda r: rank_text(r, "peer_rank", "peer_count")),
    Col("Thay đổi so với kỳ trước", _k("change_from_previous"), "signed"),
]

BEHIND_COLS = [
    Col("Thứ tự", _k("severity_rank"), "number"),
    Col("Đơn vị", _k("unit_name")),
    Col("Cấp", level),
    Col("Chỉ số", _k("kpi_name_vi")),
    Col("Kỳ", _k("period_start"), "month"),
    Col("Tử số", _k("numerator"), "number"),
    Col("Mẫu số", _k("denominator"), "number"),
    Col("Thực hiện", _k("actual"), "percent"),
    Col("Theo lộ trình", _k("expected_on_path"), "percent"),
    Col("Mục tiêu", _k("target_value"), "percent"),
    Col("Chênh lệch với lộ trình", _k("gap_to_path"), "points"),
    Col("Trạng thái", _k("status"), "status"),
    Col("Cần cải thiện mỗi tháng", _k("monthly_improvement_needed"), "points"),
]

def edition(r: dict) -> str | None:
    """The edition as published: its year, with the date described when one was written."""
    if r.get("as_of_date"):
        return vi.day(r["as_of_date"])
    return None if r.get("edition_year") is None else str(r["edition_year"])


def source_text(r: dict) -> str | None:
    parts = [str(r[k]) for k in ("source_document", "publisher") if r.get(k)]
    if r.get("publication_date"):
        parts.append("công bố " + vi.day(r["publication_date"]))
    return ", ".join(parts) or None


REPORTED_COLS = [
    Col("Chỉ số", _k("kpi_name_vi")),
    Col("Đơn vị", lambda r: r.get("unit_name") or r.get("unit_code")),
    Col("Cấp", level),
    Col("Kỳ", edition),
    Col("Giá trị", _k("value"), "decimal"),
    Col("Thang đo", _k("scale")),
    Col("Xếp hạng", rank_text),
    Col("Kỳ trước", _k("previous_edition_year")),
    Col("Giá trị kỳ trước", _k("previous_value"), "decimal"),
    Col("Thay đổi", _k("value_change"), "signed"),
    Col("Xếp hạng kỳ trước", lambda r: rank_text(r, "previous_rank")),
    Col("Tăng hạng", lambda r: None if r.get("rank_improvement") is None else f"{r['rank_improvement']:+d}"),
    Col("Nguồn", source_text),
    Col("Đã xác minh", lambda r: None if r.get("is_verified") is None else ("Có" if r["is_verified"] else "Chưa")),
]

LOAD_COLS = [
    Col("Nguồn", _k("source_system")),
    Col("Lần nạp gần nhất (UTC)", _k("last_loaded_at"), "moment"),
    Col("Kỳ mới nhất đến", _k("newest_period_end"), "day"),
    Col("Tệp đã nạp", _k("files_loaded"), "number"),
    Col("Tệp cách ly", _k("files_quarantined"), "number"),
    Col("Tệp đã thay thế", _k("files_superseded"), "number"),
    Col("Dòng đã nạp", _k("rows_loaded"), "number"),
]

QUARANTINE_COLS = [
    Col("Nguồn", _k("source_system")),
    Col("Tệp", _k("file_name")),
    Col("Nhận lúc (UTC)", _k("received_at"), "moment"),
    Col("Số dòng", _k("rows_read"), "number"),
    Col("Lý do", _k("error")),
]

FAILING_COLS = [
    Col("Bộ dữ liệu", _k("dataset")),
    Col("Kiểm tra", _k("expectation")),
    Col("Cột", _k("column_name")),
    Col("Mức độ", lambda r: vi.SEVERITY_VI.get(r.get("severity"), r.get("severity"))),
    Col("Số lần không đạt", _k("runs"), "number"),
    Col("Lần gần nhất (UTC)", _k("last_seen"), "moment"),
    Col("Giải thích", _k("why")),
]

FRESHNESS_COLS = [
    Col("Nguồn", _k("source_system")),
    Col("Dữ liệu mới nhất đến", _k("period_end"), "day"),
    Col("Kiểm tra lúc (UTC)", _k("validated_at"), "moment"),
    Col(
        "Kết quả", lambda r: None if r.get("success") is None else ("Kịp thời" if r["success"] else "Quá hạn")
    ),
]


def province_tables(p: Province) -> list[Table]:
    latest = [p.latest[k] for k in sorted(p.latest, key=lambda k: p.latest[k].get("kpi_name_vi") or k)]
    return [
        Table("tien_do", "Tiến độ so với mục tiêu", PROGRESS_COLS, latest),
        Table("cham_766", "Bộ chỉ số 766 (kỳ gần nhất)", SCORECARD_COLS, p.scorecard),
        Table("don_vi_cham", "Đơn vị chậm tiến độ (nặng nhất trước)", BEHIND_COLS, p.behind),
        Table("so_lieu_bao_cao", "Số liệu báo cáo (chỉ số công bố bên ngoài)", REPORTED_COLS, p.reported),
    ]


def health_tables(s: Snapshot) -> list[Table]:
    return [
        Table("nap_du_lieu", "Lần nạp gần nhất theo nguồn", LOAD_COLS, s.loads),
        Table("tinh_kip_thoi", "Tính kịp thời của dữ liệu", FRESHNESS_COLS, s.freshness),
        Table("kiem_tra_loi", "Kiểm tra chất lượng không đạt", FAILING_COLS, s.failing_checks),
        Table("tep_cach_ly", "Tệp bị cách ly", QUARANTINE_COLS, s.quarantined),
    ]
