"""The source systems and the layouts of their exports that chiso reads (docs/FORMATS.md): column headers and
their order. The parsers recognise files by them; the sample generator (tools/sample) writes them."""

from __future__ import annotations

# source system -> what it is (one ingestion DAG each; the landing zone's and incoming folder's first level)
SOURCE_SYSTEMS: dict[str, str] = {
    "motcua": "one-stop-shop (Một cửa điện tử): dossier exports and Biểu 06 reports",
    "qlvb": "document management and operation system (QLVB): document register exports",
    "dvc": "public-service portal (Cổng DVC): service catalogue and 766 evaluation responses",
    "plans": "plans (kế hoạch, chỉ tiêu): targets and externally reported figures a province's office submits",
}

# ---------------------------------------------------------------- one-stop-shop dossier export (CSV), §1
DOSSIER_REQUIRED_COLUMNS: tuple[str, ...] = (
    "MaHoSo",
    "MaTTHC",
    "TenTTHC",
    "MaLinhVuc",
    "TenLinhVuc",
    "MaCoQuan",
    "TenCoQuan",
    "KenhThucHien",
    "NgayTiepNhan",
    "NgayHenTra",
    "NgayKetThucXuLy",
    "TrangThaiHoSo",
    "SoLanBoSung",
    "SoNgayChoBoSung",
    "PhiLePhi",
    "DuocThanhToanTrucTuyen",
    "HoSoCoThanhPhanSoHoa",
    "CoKetQuaDienTu",
    "TaiKhoanDuocXacThucVoiVNeID",
)
DOSSIER_OPTIONAL_COLUMNS: tuple[str, ...] = ("NgayCapNhat",)
# the applicant's personal data: never loaded (the ID number only enters applicant_key's HMAC)
DOSSIER_PERSONAL_COLUMNS: tuple[str, ...] = ("HoTenNguoiNop", "SoCCCD", "SoDienThoai", "DiaChi")
# the column order of the export itself
DOSSIER_CSV_COLUMNS: tuple[str, ...] = DOSSIER_REQUIRED_COLUMNS + DOSSIER_PERSONAL_COLUMNS + DOSSIER_OPTIONAL_COLUMNS

# ---------------------------------------------------------------- Biểu 06 (XLSX), §2: column number -> raw column
BIEU06_MEASURES: dict[int, str] = {
    3: "received_total",
    4: "received_new_online",
    5: "received_new_counter_postal",
    6: "received_carried_over",
    7: "resolved_total",
    8: "resolved_early",
    9: "resolved_on_time",
    10: "resolved_late",
    11: "pending_total",
    12: "pending_within_deadline",
    13: "pending_overdue",
}

# ---------------------------------------------------------------- document register (XLSX, CSV), §3
# the header row, in the export's order: (label as printed, raw column; None = read for the row's number only,
# or never read: Trích yếu, the summary, may carry names)
REGISTER_HEADER: tuple[tuple[str, str | None], ...] = (
    ("STT", None),
    ("Số, ký hiệu", "document_number"),
    ("Ngày văn bản", "issued_on"),
    ("Loại văn bản", "document_type"),
    ("Trích yếu", None),
    ("Cơ quan ban hành", "issuing_agency"),
    ("Mã cơ quan", "agency_code"),
    ("Văn bản đến/đi", "direction"),
    ("Hình thức", "form"),
    ("Ký số", "digitally_signed"),
    ("Độ mật", "confidentiality"),
    ("Hạn xử lý", "due_on"),
    ("Ngày hoàn thành", "completed_on"),
)
REGISTER_SHEET = "SoVanBan"

# ---------------------------------------------------------------- online-service catalogue (CSV), §4
CATALOGUE_COLUMNS: tuple[str, ...] = (
    "MaDichVu",
    "MaTTHC",
    "TenDichVu",
    "MucDo",
    "TrangThai",
    "MaCoQuan",
    "TenCoQuan",
    "CoPhi",
)

# ---------------------------------------------------------------- plan workbook (XLSX), docs/PLANS.md
# sheet name -> its header, in the workbook's order: (label as printed, field). Fields are plan_item's columns,
# or the cells a parser reads into one: "kpi" (code or name), "unit" (code or name), "horizon" and "edition"
# (a year or a date), "stt" (the row's number, not loaded). Labels marked * are required.
PLAN_TARGET_SHEET = "Chỉ tiêu"
PLAN_FIGURE_SHEET = "Số liệu báo cáo"
PLAN_NOTES_SHEET = "Hướng dẫn"
PLAN_LISTS_SHEET = "Danh mục"  # the drop-down lists (KPIs, units, levels), written by `chiso template plans`
PLAN_HEADERS: dict[str, tuple[tuple[str, str], ...]] = {
    PLAN_TARGET_SHEET: (
        ("STT", "stt"),
        ("Chỉ tiêu (mã hoặc tên) *", "kpi"),
        ("Cấp đơn vị", "unit_level"),
        ("Đơn vị (mã hoặc tên) *", "unit"),
        ("Giá trị mục tiêu *", "value"),
        ("Chiều (nếu khác danh mục)", "direction"),
        ("Thời hạn (năm hoặc ngày) *", "horizon"),
        ("Giá trị cơ sở", "baseline_value"),
        ("Ngày cơ sở", "baseline_date"),
        ("Số, ký hiệu văn bản *", "document_number"),
        ("Ngày văn bản *", "document_date"),
        ("Cơ quan ban hành *", "issuing_body"),
        ("Điều, khoản, mục", "document_article"),
        ("Đã kiểm chứng", "is_verified"),
        ("Ghi chú", "note"),
    ),
    PLAN_FIGURE_SHEET: (
        ("STT", "stt"),
        ("Chỉ số, chỉ tiêu (mã hoặc tên) *", "kpi"),
        ("Kỳ (năm hoặc ngày) *", "edition"),
        ("Cấp đơn vị", "unit_level"),
        ("Đơn vị (mã hoặc tên) *", "unit"),
        ("Giá trị", "value"),
        ("Thang đo", "scale"),
        ("Thứ hạng", "rank"),
        ("Trên tổng số", "rank_out_of"),
        ("Nguồn (văn bản, bài viết) *", "document_number"),
        ("Ngày công bố *", "document_date"),
        ("Cơ quan công bố", "issuing_body"),
        ("Trang, mục", "document_article"),
        ("Đã kiểm chứng", "is_verified"),
        ("Ghi chú", "note"),
    ),
}
