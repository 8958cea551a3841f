"""The raw layer's tables: the contract between parsers, the loader and dbt's sources.

Each dataset lists the columns a parser returns (name, DuckDB type). The loader prepends the batch columns.
Keep this file, ``docs/FORMATS.md`` and ``dbt_project/models/staging/*/_*__sources.yml`` in step.
"""

from __future__ import annotations

BATCH_COLUMNS: list[tuple[str, str]] = [
    ("batch_id", "VARCHAR"),  # SHA-256 of the landed file
    ("source_file", "VARCHAR"),  # landed file name
    ("source_row", "INTEGER"),  # 1-based data-row number in the file
]

DATASETS: dict[str, dict] = {
    # one-stop-shop, one row per dossier (state at the end of the export's month)
    "motcua_dossier": {
        "source_system": "motcua",
        "columns": [
            ("period_month", "DATE"),  # first day of the export's month
            ("dossier_code", "VARCHAR"),
            ("procedure_code", "VARCHAR"),
            ("procedure_name", "VARCHAR"),
            ("field_code", "VARCHAR"),
            ("field_name", "VARCHAR"),
            ("agency_code", "VARCHAR"),  # mã định danh of the handling agency
            ("agency_name", "VARCHAR"),
            ("channel", "SMALLINT"),  # 1 counter, 2 online, 3 postal
            ("received_at", "TIMESTAMP"),  # wall clock Asia/Ho_Chi_Minh
            ("appointment_at", "TIMESTAMP"),
            ("completed_at", "TIMESTAMP"),
            ("status_raw", "VARCHAR"),
            ("status", "VARCHAR"),  # received|processing|supplement|done|returned|stopped|refused|withdrawn
            ("supplement_count", "SMALLINT"),
            ("supplement_wait_days", "DOUBLE"),
            ("fee_amount", "BIGINT"),  # VND, null = no fee information
            ("online_payment", "SMALLINT"),  # 0 no, 1 national portal, 2 provincial gateway, null = no fee
            ("has_digitised_components", "BOOLEAN"),
            ("has_electronic_result", "BOOLEAN"),
            ("vneid_verified", "BOOLEAN"),
            ("applicant_key", "VARCHAR"),  # HMAC-SHA256 of the ID number with CHISO_PII_KEY; never the ID itself
            ("updated_at", "TIMESTAMP"),
        ],
        "key": ["dossier_code"],
    },
    # one-stop-shop Biểu 06: one row per printed body row (units, sections and the total)
    "motcua_bieu06": {
        "source_system": "motcua",
        "columns": [
            ("period_start", "DATE"),
            ("period_end", "DATE"),
            ("reporting_unit", "VARCHAR"),
            ("row_kind", "VARCHAR"),  # unit | section | total
            ("section_code", "VARCHAR"),  # I, II, III ... (null on the total row)
            ("section_name", "VARCHAR"),
            ("stt", "VARCHAR"),
            ("unit_name", "VARCHAR"),
            ("unit_key", "VARCHAR"),  # match key of unit_name (chiso.sources.normalize.match_key)
            ("received_total", "BIGINT"),
            ("received_new_online", "BIGINT"),
            ("received_new_counter_postal", "BIGINT"),
            ("received_carried_over", "BIGINT"),
            ("resolved_total", "BIGINT"),
            ("resolved_early", "BIGINT"),
            ("resolved_on_time", "BIGINT"),
            ("resolved_late", "BIGINT"),
            ("pending_total", "BIGINT"),
            ("pending_within_deadline", "BIGINT"),
            ("pending_overdue", "BIGINT"),
        ],
        "key": ["period_start", "row_kind", "section_code", "stt", "unit_key"],
    },
    # document management register: one row per document
    "qlvb_document": {
        "source_system": "qlvb",
        "columns": [
            ("period_month", "DATE"),
            ("document_number", "VARCHAR"),  # Số, ký hiệu
            ("issued_on", "DATE"),
            ("document_type", "VARCHAR"),
            ("issuing_agency", "VARCHAR"),
            ("agency_code", "VARCHAR"),  # the registering agency's identifier
            ("direction", "VARCHAR"),  # incoming | outgoing
            ("form", "VARCHAR"),  # electronic | paper
            ("digitally_signed", "BOOLEAN"),
            ("confidentiality", "VARCHAR"),  # normal | secret | top_secret | absolute_secret
            ("due_on", "DATE"),
            ("completed_on", "DATE"),
        ],
        "key": ["agency_code", "direction", "document_number", "issued_on"],
    },
    # public-service portal: online-service catalogue snapshot
    "dvc_service": {
        "source_system": "dvc",
        "columns": [
            ("snapshot_month", "DATE"),
            ("service_code", "VARCHAR"),
            ("procedure_code", "VARCHAR"),
            ("service_name", "VARCHAR"),
            ("online_level", "VARCHAR"),  # full | partial
            ("level_raw", "VARCHAR"),
            ("state", "VARCHAR"),  # published | pending_withdrawal | testing
            ("agency_code", "VARCHAR"),
            ("agency_name", "VARCHAR"),
            ("has_fee", "BOOLEAN"),
        ],
        "key": ["service_code"],
    },
    # 766 evaluation: one row per unit (root or child) per group and period
    "dvc_766_unit": {
        "source_system": "dvc",
        "columns": [
            ("group_code", "VARCHAR"),  # endpoint: transparency, dvc-progress-tree, ...
            ("period_type", "VARCHAR"),  # month | quarter | year | range
            ("period_start", "DATE"),
            ("period_end", "DATE"),
            ("captured_at", "TIMESTAMP"),  # UTC
            ("root_department_code", "VARCHAR"),
            ("is_root", "BOOLEAN"),
            ("department_id", "VARCHAR"),
            ("department_code", "VARCHAR"),
            ("department_name", "VARCHAR"),
            ("department_type", "VARCHAR"),
            ("level", "VARCHAR"),
            ("total_score", "DOUBLE"),
            ("total_max_score", "DOUBLE"),
            ("ratio", "DOUBLE"),  # 0-100 as published
            ("score_delta", "DOUBLE"),
        ],
        "key": ["group_code", "period_type", "period_start", "department_id"],
    },
    # 766 evaluation: one row per unit x metric (metrics[] items) or per unit x count field (tree endpoints)
    "dvc_766_measure": {
        "source_system": "dvc",
        "columns": [
            ("group_code", "VARCHAR"),
            ("period_type", "VARCHAR"),
            ("period_start", "DATE"),
            ("period_end", "DATE"),
            ("department_id", "VARCHAR"),
            ("department_code", "VARCHAR"),
            ("measure_code", "VARCHAR"),  # metric code (PUBLISH_ON_TIME) or field name (totalReceived)
            ("measure_name", "VARCHAR"),
            ("numerator", "DOUBLE"),
            ("denominator", "DOUBLE"),
            ("value", "DOUBLE"),  # tree count fields; null for metrics
            ("ratio", "DOUBLE"),
            ("score", "DOUBLE"),
            ("max_score", "DOUBLE"),
            ("data_quality_status", "VARCHAR"),
        ],
        "key": ["group_code", "period_type", "period_start", "department_id", "measure_code"],
    },
}


def columns(dataset: str) -> list[tuple[str, str]]:
    """Parser-facing columns of a dataset (without the batch columns)."""
    return DATASETS[dataset]["columns"]


def table_columns(dataset: str) -> list[tuple[str, str]]:
    """Columns of the raw table: batch columns first, then the dataset's own."""
    return BATCH_COLUMNS + DATASETS[dataset]["columns"]
