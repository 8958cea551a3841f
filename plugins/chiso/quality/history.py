"""The data-quality history in the warehouse: every suite run (``raw.dq_run``), every expectation's result
(``raw.dq_result``) and every alert delivery (``raw.dq_alert``), so analysts can query what the gate did.

Rows are written by column name, in the order of the contracts (chiso.contracts.loader). The load step writes
a batch's history in the transaction that loads or quarantines it; the freshness check writes its own.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from chiso.contracts.loader import DQ_ALERT, DQ_RESULT, DQ_RUN
from chiso.ingest.batch import Batch
from chiso.quality import alerts
from chiso.util.jsonable import dumps


def _insert(wh, table, rows: list[dict[str, Any]]) -> None:
    if rows:
        for row in rows:
            if list(row) != table.column_names:
                raise ValueError(f"raw.{table.name} row with columns {list(row)}, expected {table.column_names}")
        wh.insert_rows(f"raw.{table.name}", table.column_names, [list(r.values()) for r in rows])


def write_run(wh, run: dict[str, Any], results: list[dict[str, Any]]) -> None:
    """One run and its results (replacing an earlier write of the same run)."""
    write_runs(wh, [run], results)


def write_runs(wh, runs: list[dict[str, Any]], results: list[dict[str, Any]]) -> None:
    """Runs and their results, in one statement per table (replacing earlier writes of the same runs)."""
    if not runs:
        return
    marks = ", ".join("?" * len(runs))
    ids = [r["run_id"] for r in runs]
    wh.execute(f"DELETE FROM raw.dq_result WHERE run_id IN ({marks})", ids)
    wh.execute(f"DELETE FROM raw.dq_run WHERE run_id IN ({marks})", ids)
    _insert(wh, DQ_RUN, runs)
    _insert(wh, DQ_RESULT, results)


def _channel_name(delivery: dict[str, Any]) -> str | None:
    """A channel as the warehouse names it: its Airflow connection id, never its URL (a webhook's path and
    query are its secret; an SMTP URL may carry a login)."""
    conn = {"webhook": alerts.WEBHOOK_CONN_ID, "apprise": alerts.APPRISE_CONN_ID,
            "smtp": alerts.SMTP_CONN_ID}.get(delivery.get("channel"))
    return f"connection {conn}" if conn else None


def write_alert(wh, record: dict[str, Any], batch_id: str | None) -> None:
    """An alert's deliveries, one row per channel ("none" when no channel is configured)."""
    wh.execute("DELETE FROM raw.dq_alert WHERE alert_id = ?", [record["alert_id"]])
    deliveries = record.get("deliveries") or [{"channel": "none", "target": None, "ok": False,
                                                "detail": "no channel configured"}]
    text = alerts.render_text(record)
    _insert(wh, DQ_ALERT, [{
        "alert_id": record["alert_id"], "batch_id": batch_id, "severity": record["severity"],
        "source_system": record["source_system"], "file_name": record["file"], "channel": d["channel"],
        "target": _channel_name(d), "delivered": d["ok"], "detail": d["detail"], "message": text,
    } for d in deliveries])


def record_batch(wh, b: Batch, now: datetime) -> None:
    """A loaded or quarantined batch's validation runs, results and alert."""
    record_batches(wh, [b], now)


def record_batches(wh, batches: list[Batch], now: datetime) -> None:
    """Loaded or quarantined batches' validation runs, results and alerts (the runs of all of them in one
    insert: a chunk of small files loaded together writes its history together)."""
    runs: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for b in batches:
        report = b.validation or {}
        for suite in report.get("suites", []):
            run_id = f"{b.batch_id[:16]}:{suite['dataset']}:{suite.get('validated_at', now.isoformat())}"
            runs.append({
                "run_id": run_id, "batch_id": b.batch_id, "source_system": b.source_system,
                "dataset": suite["dataset"], "suite": suite["suite"], "file_name": b.file_name,
                "period_start": b.period_start, "period_end": b.period_end,
                "validated_at": suite.get("validated_at") or now, "success": suite["success"],
                "evaluated": suite["evaluated"], "failed_errors": suite["failed_errors"],
                "failed_warnings": suite["failed_warnings"], "action": b.status,
                "data_docs": report.get("data_docs_url"),
            })
            results.extend({
                "run_id": run_id, "batch_id": b.batch_id, "dataset": suite["dataset"],
                "expectation": c["expectation"],
                "column_name": c["kwargs"].get("column") or c["kwargs"].get("column_A"),
                "kwargs": dumps(c["kwargs"]), "severity": c["severity"], "success": c["success"],
                "observed": None if c["observed"] is None else str(c["observed"]),
                "unexpected_count": c["unexpected_count"], "unexpected_percent": c["unexpected_percent"],
                "sample": json.dumps(c["sample"], ensure_ascii=False), "why": c["why"],
            } for c in suite["checks"])
    write_runs(wh, runs, results)
    for b in batches:
        if b.alert_id:
            record = alerts.read_record(b.alert_id)
            if record is not None:
                write_alert(wh, record, b.batch_id)
