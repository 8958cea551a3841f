"""The raw layer's datasets: what each parser returns, what the loader writes to ``raw.<dataset>``, what the
quality suites and dbt's sources read.

A parser returns ``source_row`` followed by the dataset's own columns, in this order; the loader adds the
batch columns in front of them.
"""

from __future__ import annotations

from chiso.contracts import vocabularies as v
from chiso.contracts.model import Column, Table

BATCH_ID_DOC = (
    "The batch (a receipt of one file): sha256(content SHA-256 + '|' + the file's name relative to its source's "
    "incoming folder). The same bytes received under another name (a snapshot unchanged since last month) are "
    "another batch."
)

BATCH_COLUMNS: tuple[Column, ...] = (
    Column("batch_id", "VARCHAR", BATCH_ID_DOC),
    Column("source_file", "VARCHAR", "The file's name relative to its source's incoming folder (as landed)."),
    Column("source_row", "INTEGER", "1-based number of the row in the file (data rows: header rows not counted)."),
)

MOTCUA_DOSSIER = Table(
    "motcua_dossier",
    "One-stop-shop dossiers (hồ sơ TTHC): one row per dossier per monthly export, its state at the end of the "
    "export's month (docs/FORMATS.md §1).",
    (
        Column("period_month", "DATE", "First day of the export's month."),
        Column("dossier_code", "VARCHAR", "Dossier code (MaHoSo); it embeds the agency identifier."),
        Column("procedure_code", "VARCHAR", "Procedure code of the national catalogue (MaTTHC)."),
        Column("procedure_name", "VARCHAR", "Procedure name (TenTTHC)."),
        Column("field_code", "VARCHAR", "Field code (MaLinhVuc)."),
        Column("field_name", "VARCHAR", "Field name (TenLinhVuc)."),
        Column("agency_code", "VARCHAR", "Identifier (mã định danh, QĐ 20/2020/QĐ-TTg) of the handling agency "
                                         "(MaCoQuan)."),
        Column("agency_name", "VARCHAR", "Name of the handling agency (TenCoQuan)."),
        Column("channel", "SMALLINT", "Submission channel (KenhThucHien).", v.CHANNEL),
        Column("received_at", "TIMESTAMP", "Received (NgayTiepNhan), wall clock Asia/Ho_Chi_Minh."),
        Column("appointment_at", "TIMESTAMP", "Appointment: the due date and time (NgayHenTra)."),
        Column("completed_at", "TIMESTAMP", "End of processing (NgayKetThucXuLy); null while open."),
        Column("status_raw", "VARCHAR", "Status as exported (TrangThaiHoSo)."),
        Column("status", "VARCHAR", "Normalised status.", v.DOSSIER_STATUS),
        Column("supplement_count", "SMALLINT", "Number of supplement requests (SoLanBoSung)."),
        Column("supplement_wait_days", "DOUBLE", "Days spent waiting for supplements (SoNgayChoBoSung)."),
        Column("fee_amount", "BIGINT", "Fees and charges in VND (PhiLePhi); null = no fee information."),
        Column("online_payment", "SMALLINT", "Online payment (DuocThanhToanTrucTuyen); null = no fee.",
               v.ONLINE_PAYMENT),
        Column("has_digitised_components", "BOOLEAN", "Dossier components digitised (HoSoCoThanhPhanSoHoa)."),
        Column("has_electronic_result", "BOOLEAN", "Electronic result issued (CoKetQuaDienTu)."),
        Column("vneid_verified", "BOOLEAN", "Applicant's account verified with VNeID (TaiKhoanDuocXacThucVoiVNeID)."),
        Column("applicant_key", "VARCHAR", "HMAC-SHA256 of the applicant's ID number keyed by CHISO_PII_KEY; never "
                                           "the number itself."),
        Column("updated_at", "TIMESTAMP", "Last update (NgayCapNhat)."),
    ),
    key=("dossier_code",),
    source_system="motcua",
)

MOTCUA_BIEU06 = Table(
    "motcua_bieu06",
    "Biểu 06/VPCP/KSTT (one-stop-shop monthly report): one row per printed body row: units, sections and the "
    "total (docs/FORMATS.md §2).",
    (
        Column("period_start", "DATE", "First day of the reporting period (Từ ngày)."),
        Column("period_end", "DATE", "Last day of the reporting period (đến ngày)."),
        Column("reporting_unit", "VARCHAR", "The reporting unit (Đơn vị báo cáo)."),
        Column("row_kind", "VARCHAR", "What the row is.", v.BIEU06_ROW_KIND),
        Column("section_code", "VARCHAR", "Section STT (I, II, III …); null on the total row."),
        Column("section_name", "VARCHAR", "Section name (Sở, ban, ngành; UBND cấp huyện; UBND cấp xã)."),
        Column("stt", "VARCHAR", "STT as printed."),
        Column("unit_name", "VARCHAR", "The row's name as printed."),
        Column("unit_key", "VARCHAR", "Match key of unit_name (chiso.sources.normalize.match_key)."),
        Column("received_total", "BIGINT", "(3) dossiers received for processing."),
        Column("received_new_online", "BIGINT", "(4) of which newly received online."),
        Column("received_new_counter_postal", "BIGINT", "(5) of which newly received at the counter or by post."),
        Column("received_carried_over", "BIGINT", "(6) of which carried over from the previous period."),
        Column("resolved_total", "BIGINT", "(7) dossiers resolved."),
        Column("resolved_early", "BIGINT", "(8) resolved before the deadline."),
        Column("resolved_on_time", "BIGINT", "(9) resolved on time."),
        Column("resolved_late", "BIGINT", "(10) resolved late."),
        Column("pending_total", "BIGINT", "(11) dossiers still being processed."),
        Column("pending_within_deadline", "BIGINT", "(12) pending within the deadline."),
        Column("pending_overdue", "BIGINT", "(13) pending past the deadline."),
    ),
    key=("period_start", "row_kind", "section_code", "stt", "unit_key"),
    source_system="motcua",
)

QLVB_DOCUMENT = Table(
    "qlvb_document",
    "Document register (sổ văn bản): one row per document issued or received in the month (docs/FORMATS.md "
    "§3). The summary (Trích yếu) may carry names: it is never loaded.",
    (
        Column("period_month", "DATE", "First day of the register's month."),
        Column("document_number", "VARCHAR", "Number and symbol (Số, ký hiệu)."),
        Column("issued_on", "DATE", "Date of the document (Ngày văn bản)."),
        Column("document_type", "VARCHAR", "Document type (Loại văn bản)."),
        Column("issuing_agency", "VARCHAR", "Issuing agency as written (Cơ quan ban hành)."),
        Column("agency_code", "VARCHAR", "Identifier of the registering agency (Mã cơ quan)."),
        Column("direction", "VARCHAR", "Incoming or outgoing.", v.DOCUMENT_DIRECTION),
        Column("form", "VARCHAR", "Electronic or paper.", v.DOCUMENT_FORM),
        Column("digitally_signed", "BOOLEAN", "Digitally signed (Ký số)."),
        Column("confidentiality", "VARCHAR", "Confidentiality (Độ mật).", v.CONFIDENTIALITY),
        Column("due_on", "DATE", "Deadline for handling (Hạn xử lý)."),
        Column("completed_on", "DATE", "Date handled (Ngày hoàn thành)."),
    ),
    key=("agency_code", "direction", "document_number", "issued_on"),
    source_system="qlvb",
)

DVC_SERVICE = Table(
    "dvc_service",
    "Public-service portal: the online-service catalogue, a snapshot at the end of the month (docs/FORMATS.md "
    "§4).",
    (
        Column("snapshot_month", "DATE", "First day of the snapshot's month."),
        Column("service_code", "VARCHAR", "Online-service code (MaDichVu)."),
        Column("procedure_code", "VARCHAR", "Procedure code of the national catalogue (MaTTHC)."),
        Column("service_name", "VARCHAR", "Service name (TenDichVu)."),
        Column("online_level", "VARCHAR", "Online level.", v.ONLINE_LEVEL),
        Column("level_raw", "VARCHAR", "Online level as exported (MucDo)."),
        Column("state", "VARCHAR", "State in the catalogue.", v.SERVICE_STATE),
        Column("agency_code", "VARCHAR", "Identifier of the agency offering the service (MaCoQuan)."),
        Column("agency_name", "VARCHAR", "Name of that agency (TenCoQuan)."),
        Column("has_fee", "BOOLEAN", "The procedure carries a fee (CoPhi)."),
    ),
    key=("service_code",),
    source_system="dvc",
)

DVC_766_UNIT = Table(
    "dvc_766_unit",
    "Decision 766 evaluation, as published: one row per unit (the root or one of its children) per group and "
    "period (docs/FORMATS.md §5).",
    (
        Column("group_code", "VARCHAR", "The evaluation group (API endpoint).", v.GROUP_766),
        Column("period_type", "VARCHAR", "The kind of period.", v.PERIOD_TYPE_766),
        Column("period_start", "DATE", "First day of the period."),
        Column("period_end", "DATE", "Last day of the period."),
        Column("captured_at", "TIMESTAMP", "When the response was captured (UTC), from the capture manifest."),
        Column("root_department_code", "VARCHAR", "departmentCode of the response's root unit."),
        Column("is_root", "BOOLEAN", "The row is the response's root (parent / overview)."),
        Column("department_id", "VARCHAR", "The portal's departmentId (a UUID)."),
        Column("department_code", "VARCHAR", "departmentCode (mã định danh); missing in some endpoints."),
        Column("department_name", "VARCHAR", "departmentName as published."),
        Column("department_type", "VARCHAR", "departmentType as published."),
        Column("level", "VARCHAR", "The unit's level as published (level / departmentLevel)."),
        Column("total_score", "DOUBLE", "Score as published (totalScore or score)."),
        Column("total_max_score", "DOUBLE", "Maximum score as published (totalMaxScore or maxScore)."),
        Column("ratio", "DOUBLE", "Ratio as published, 0-100."),
        Column("score_delta", "DOUBLE", "Change of the score as published (scoreDelta)."),
    ),
    key=("group_code", "period_type", "period_start", "department_id"),
    source_system="dvc",
)

DVC_766_MEASURE = Table(
    "dvc_766_measure",
    "Decision 766 evaluation, as published: one row per unit x metric (metrics[] items) or per unit x count "
    "field (the tree endpoints' numbers).",
    (
        Column("group_code", "VARCHAR", "The evaluation group (API endpoint).", v.GROUP_766),
        Column("period_type", "VARCHAR", "The kind of period.", v.PERIOD_TYPE_766),
        Column("period_start", "DATE", "First day of the period."),
        Column("period_end", "DATE", "Last day of the period."),
        Column("department_id", "VARCHAR", "The unit's departmentId."),
        Column("department_code", "VARCHAR", "The unit's departmentCode."),
        Column("measure_code", "VARCHAR", "Metric code (PUBLISH_ON_TIME …) or count field name (totalReceived …)."),
        Column("measure_name", "VARCHAR", "Metric name as published; null for count fields."),
        Column("numerator", "DOUBLE", "The metric's numerator."),
        Column("denominator", "DOUBLE", "The metric's denominator."),
        Column("value", "DOUBLE", "A count field's value; null for metrics."),
        Column("ratio", "DOUBLE", "The metric's ratio as published, 0-100."),
        Column("score", "DOUBLE", "The metric's score."),
        Column("max_score", "DOUBLE", "The metric's maximum score."),
        Column("data_quality_status", "VARCHAR", "dataQualityStatus as published."),
    ),
    key=("group_code", "period_type", "period_start", "department_id", "measure_code"),
    source_system="dvc",
)

PLAN_ITEM = Table(
    "plan_item",
    "Plans (kế hoạch, chỉ tiêu) a province's office submits as a workbook (docs/PLANS.md): one row per target "
    "(sheet Chỉ tiêu) or per externally reported figure (sheet Số liệu báo cáo), each with the document it "
    "comes from. A later document setting the same KPI x unit x horizon supersedes an earlier one from its "
    "date; both stay in the raw layer (the history).",
    (
        Column("sheet", "VARCHAR", "The sheet the row comes from.", v.PLAN_SHEET),
        Column("sheet_row", "INTEGER", "The row's number on its sheet, as the spreadsheet shows it."),
        Column("kpi_code", "VARCHAR", "KPI code of the catalogue (dbt seed kpi_catalogue), from the code or the "
                                      "Vietnamese name written."),
        Column("unit_level", "VARCHAR", "Level of the unit the row applies to.", v.PLAN_UNIT_LEVEL),
        Column("unit_code", "VARCHAR", "The unit: province or commune code, or a department's agency identifier."),
        Column("unit_valid_from", "DATE", "Start of the unit's validity (1900-01-01 before the 2025 merger, "
                                          "2025-07-01 after), from the unit valid at the row's date."),
        Column("province_code", "VARCHAR", "The province the unit belongs to (valid at the row's date)."),
        Column("value", "DOUBLE", "The target value, or the reported figure (score, share, count)."),
        Column("direction", "VARCHAR", "Which way the KPI improves: as written, else the catalogue's.",
               v.KPI_DIRECTION),
        Column("horizon_date", "DATE", "Target: the date it must be reached (a year is its 31 December); null "
                                       "for a reported figure."),
        Column("baseline_value", "DOUBLE", "Target: the baseline value, when the document gives one."),
        Column("baseline_date", "DATE", "Target: the baseline's date."),
        Column("edition_year", "INTEGER", "Reported figure: the edition (the year assessed)."),
        Column("as_of_date", "DATE", "Reported figure: the date it describes, when a date was written."),
        Column("scale", "VARCHAR", "Reported figure: the scale as written (điểm/100, %, hạng …)."),
        Column("rank", "INTEGER", "Reported figure: the rank (1 = best)."),
        Column("rank_out_of", "INTEGER", "Reported figure: the number of units ranked."),
        Column("document_number", "VARCHAR", "Legal basis (target) or source document (figure): number and "
                                             "symbol, or the article's title."),
        Column("document_date", "DATE", "Date of that document (the publication date for a figure)."),
        Column("issuing_body", "VARCHAR", "Body that issued the document."),
        Column("document_article", "VARCHAR", "Article, section or page of the document."),
        Column("is_verified", "BOOLEAN", "The value was checked against the document (Đã kiểm chứng)."),
        Column("note", "VARCHAR", "Free note (Ghi chú); never a person's data."),
    ),
    key=("sheet", "kpi_code", "unit_code", "horizon_date", "edition_year", "document_number"),
    source_system="plans",
)

DATASETS: dict[str, Table] = {
    t.name: t
    for t in (MOTCUA_DOSSIER, MOTCUA_BIEU06, QLVB_DOCUMENT, DVC_SERVICE, DVC_766_UNIT, DVC_766_MEASURE, PLAN_ITEM)
}


def dataset(name: str) -> Table:
    try:
        return DATASETS[name]
    except KeyError:
        raise KeyError(f"no raw dataset {name!r}; datasets: {', '.join(DATASETS)}") from None


def columns(name: str) -> list[tuple[str, str]]:
    """(name, SQL type) of the columns a parser returns for the dataset (after ``source_row``)."""
    return dataset(name).pairs()


def table_columns(name: str) -> list[tuple[str, str]]:
    """(name, SQL type) of the raw table's columns: the batch columns first, then the dataset's own."""
    return [(c.name, c.type) for c in BATCH_COLUMNS] + columns(name)


def raw_table(name: str) -> Table:
    """The raw table ``raw.<name>`` as created: batch columns, then the dataset's columns."""
    t = dataset(name)
    return Table(t.name, t.doc, BATCH_COLUMNS + t.columns, t.key, t.source_system)
