"""The loader's own tables in schema ``raw``: the landing manifest (one row per received file), the rejected
rows, and the data-quality history (runs, results, alerts). dbt reads them as the ``loader`` source."""

from __future__ import annotations

from chiso.contracts import vocabularies as v
from chiso.contracts.model import Column, Table
from chiso.contracts.raw import BATCH_ID_DOC

LANDING_MANIFEST = Table(
    "landing_manifest",
    "One row per received file (a receipt, a batch) with what became of it.",
    (
        Column("batch_id", "VARCHAR", BATCH_ID_DOC),
        Column("file_sha256", "VARCHAR", "SHA-256 of the file's content."),
        Column("source_system", "VARCHAR", "motcua | qlvb | dvc | plans."),
        Column("format", "VARCHAR", "The export format recognised (docs/FORMATS.md), null if unreadable."),
        Column("dataset", "VARCHAR", "The raw dataset the file's rows count against, null if unreadable."),
        Column("file_name", "VARCHAR", "The file's name relative to its source's incoming folder."),
        Column("landed_path", "VARCHAR", "Where the file is kept in the landing zone (read-only)."),
        Column("size_bytes", "BIGINT", "The file's size."),
        Column("supersede_key", "VARCHAR",
               "What the export covers: format|scope|period start|period end. A later export loaded with the same "
               "key supersedes this one (a corrected export).", formerly="slot"),
        Column("period_start", "DATE", "First day of the period the file covers."),
        Column("period_end", "DATE", "Last day of the period the file covers."),
        Column("received_at", "TIMESTAMP", "When the file was landed (UTC)."),
        Column("loaded_at", "TIMESTAMP", "When this row was written (UTC)."),
        Column("rows_read", "BIGINT", "Data rows in the file."),
        Column("rows_loaded", "BIGINT", "Rows loaded into the raw layer (rows_read = rows_loaded + rows_rejected)."),
        Column("rows_rejected", "BIGINT", "Rows rejected (raw.rejected_row); every row of a quarantined file."),
        Column("status", "VARCHAR", "What became of the file.", v.MANIFEST_STATUS),
        Column("superseded_by", "VARCHAR", "batch_id of the export that superseded this one."),
        Column("error", "VARCHAR", "Why the file was quarantined (file, row, column, expected, found)."),
    ),
    key=("batch_id",),
)

REJECTED_ROW = Table(
    "rejected_row",
    "Rows a parser rejected, each with its first defect; the rest of the file was loaded.",
    (
        Column("batch_id", "VARCHAR", BATCH_ID_DOC),
        Column("source_file", "VARCHAR", "The file's name relative to its source's incoming folder."),
        Column("source_row", "INTEGER", "1-based data-row number in the file."),
        Column("column_name", "VARCHAR", "The column as the export names it."),
        Column("expected", "VARCHAR", "What the column should hold."),
        Column("found", "VARCHAR", "What it held (truncated; never a personal identifier)."),
        Column("message", "VARCHAR", "Why, in a few words."),
    ),
)

DQ_RUN = Table(
    "dq_run",
    "One row per suite run on a batch's table (and per freshness check of a source).",
    (
        Column("run_id", "VARCHAR", "batch_id[:16] + dataset + validated_at (freshness:<source>:<time>)."),
        Column("batch_id", "VARCHAR", "The batch validated; null for a freshness check."),
        Column("source_system", "VARCHAR", "motcua | qlvb | dvc | plans."),
        Column("dataset", "VARCHAR", "The dataset validated, or freshness."),
        Column("suite", "VARCHAR", "The expectation suite's name."),
        Column("file_name", "VARCHAR", "The file's name relative to its source's incoming folder."),
        Column("period_start", "DATE", "First day of the period the file covers."),
        Column("period_end", "DATE", "Last day of that period (freshness: the newest period's end)."),
        Column("validated_at", "TIMESTAMP", "When the suite ran (UTC)."),
        Column("success", "BOOLEAN", "No error expectation failed."),
        Column("evaluated", "INTEGER", "Expectations evaluated."),
        Column("failed_errors", "INTEGER", "Error expectations failed (they block the batch)."),
        Column("failed_warnings", "INTEGER", "Warning expectations failed (they notify)."),
        Column("action", "VARCHAR", "What followed.", v.DQ_ACTION),
        Column("data_docs", "VARCHAR", "Link to the validation's Data Docs page, when rendered."),
    ),
    key=("run_id",),
)

DQ_RESULT = Table(
    "dq_result",
    "One row per expectation evaluated in a run.",
    (
        Column("run_id", "VARCHAR", "The run (raw.dq_run)."),
        Column("batch_id", "VARCHAR", "The batch validated; null for a freshness check."),
        Column("dataset", "VARCHAR", "The dataset validated, or freshness."),
        Column("expectation", "VARCHAR", "The expectation type (GX)."),
        Column("column_name", "VARCHAR", "The column it is about (column, or column_A of a pair)."),
        Column("kwargs", "VARCHAR", "The expectation's arguments, JSON."),
        Column("severity", "VARCHAR", "Its severity.", v.SEVERITY),
        Column("success", "BOOLEAN", "It held."),
        Column("observed", "VARCHAR", "The observed value, when it has one."),
        Column("unexpected_count", "BIGINT", "Rows breaking it."),
        Column("unexpected_percent", "DOUBLE", "Their share of the non-null values, in percent."),
        Column("sample", "VARCHAR", "A few offending values, JSON; never personal data."),
        Column("why", "VARCHAR", "Why the expectation exists (meta.why)."),
    ),
)

DQ_ALERT = Table(
    "dq_alert",
    "One row per alert and channel: what was sent where, and whether it arrived.",
    (
        Column("alert_id", "VARCHAR", "The alert (its record is kept in data/alerts/<alert_id>.json)."),
        Column("batch_id", "VARCHAR", "The batch it is about; null for a freshness alert."),
        Column("severity", "VARCHAR", "error (the batch was quarantined, or a source is stale) or warning.",
               v.SEVERITY),
        Column("source_system", "VARCHAR", "motcua | qlvb | dvc | plans."),
        Column("file_name", "VARCHAR", "The file it is about; null for a freshness alert."),
        Column("channel", "VARCHAR", "Where it went.", v.ALERT_CHANNEL),
        Column("target", "VARCHAR", "The channel's Airflow connection id (chiso_smtp, chiso_apprise, chiso_webhook): never its URL or secret."),
        Column("delivered", "BOOLEAN", "The channel accepted it (after retries)."),
        Column("detail", "VARCHAR", "The delivery's outcome."),
        Column("message", "VARCHAR", "The alert's text as sent."),
    ),
)

UNIT_NOTICE = Table(
    "unit_notice",
    "Notices to units about their status for a KPI with a target (people/notices.py): one row per status "
    "change seen after a build and per delivery; the latest row of a unit and KPI is the status last seen, so "
    "a rerun sends nothing twice.",
    (
        Column("notice_id", "VARCHAR", "The notice (unit, KPI, period, status, build time)."),
        Column("created_at", "TIMESTAMP", "When the change was seen (UTC)."),
        Column("kind", "VARCHAR", "baseline (first build: recorded, not sent), behind (became off track or at "
               "risk), recovered (back on track or achieved), status (any other change: recorded, not sent), "
               "digest (a province office's summary)."),
        Column("unit_code", "VARCHAR", "The unit the notice is about (the province, for a digest)."),
        Column("unit_valid_from", "DATE", "Its valid_from."),
        Column("kpi_code", "VARCHAR", "The KPI; null for a digest."),
        Column("period_start", "DATE", "The month the status is of."),
        Column("status", "VARCHAR", "The status now (mart_kpi_progress.status)."),
        Column("previous_status", "VARCHAR", "The status last seen; null the first time."),
        Column("recipient", "VARCHAR", "Who it went to: the recipients file's entry (unit code and role), never "
               "an address."),
        Column("channel", "VARCHAR", "Where it went: the Airflow connection id (chiso_smtp), or none."),
        Column("delivered", "BOOLEAN", "The channel accepted it."),
        Column("detail", "VARCHAR", "The delivery's outcome."),
        Column("message", "VARCHAR", "The notice's text as sent."),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t for t in (LANDING_MANIFEST, REJECTED_ROW, DQ_RUN, DQ_RESULT, DQ_ALERT, UNIT_NOTICE)
}
