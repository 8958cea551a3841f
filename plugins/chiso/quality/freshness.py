"""Freshness: the newest period each source has delivered is not older than a configured number of days
(``CHISO_FRESHNESS_MAX_DAYS``, per source ``CHISO_FRESHNESS_MAX_DAYS_<SOURCE>``).

Run by the build DAG (in the warehouse pool) before dbt: it reads ``raw.landing_manifest``, records one
``dq_run``/``dq_result`` per source (dataset ``freshness``), and alerts when a source is stale. Stale data
does not stop the build — the marts then show the last good data, and the alert says how old it is.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from chiso import settings
from chiso.contracts.exports import SOURCE_SYSTEMS
from chiso.quality import alerts, history
from chiso.warehouse import backend, schema

DEFAULT_MAX_AGE_DAYS = 45  # a monthly export is due within ~2 weeks of the month's end


def max_age_days(source_system: str) -> int:
    return settings.freshness_max_days(source_system, DEFAULT_MAX_AGE_DAYS)


def check(today: date | None = None, wh=None, notify: bool = True) -> list[dict[str, Any]]:
    """Check every source; ``wh``: an open warehouse (else one is opened for writing and closed)."""
    today = today or datetime.now(UTC).date()
    own = wh is None
    wh = wh or backend.connect()
    try:
        schema.ensure_raw_schema(wh)
        rows = wh.execute(
            """select source_system, max(period_end) from raw.landing_manifest
               where status = 'loaded' and period_end is not null group by 1"""
        ).fetchall()
        newest = dict(rows)
        now = datetime.now(UTC).replace(tzinfo=None)
        results = []
        for source in SOURCE_SYSTEMS:
            last = newest.get(source)
            limit = max_age_days(source)
            age = (today - last).days if last else None
            ok = age is not None and age <= limit
            run_id = f"freshness:{source}:{now.isoformat(timespec='seconds')}"
            observed = f"kỳ mới nhất kết thúc {last} ({age} ngày trước)" if last else "chưa nạp dữ liệu nào"
            history.write_run(
                wh,
                {"run_id": run_id, "batch_id": None, "source_system": source, "dataset": "freshness",
                 "suite": "freshness", "file_name": None, "period_start": None, "period_end": last,
                 "validated_at": now, "success": ok, "evaluated": 1, "failed_errors": 0 if ok else 1,
                 "failed_warnings": 0, "action": "checked", "data_docs": None},
                [{"run_id": run_id, "batch_id": None, "dataset": "freshness",
                  "expectation": "expect_newest_period_to_be_recent", "column_name": "period_end",
                  "kwargs": json.dumps({"max_age_days": limit}), "severity": "error", "success": ok,
                  "observed": observed, "unexpected_count": None, "unexpected_percent": None, "sample": "[]",
                  "why": f"Nguồn {source} phải có kỳ mới nhất trong vòng {limit} ngày."}],
            )
            result = {"source_system": source, "newest_period_end": str(last) if last else None, "age_days": age,
                      "max_age_days": limit, "ok": ok}
            results.append(result)
            if not ok and notify:
                alert = {
                    "alert_id": alerts.new_alert_id(f"freshness-{source}"),
                    "severity": "error", "source_system": source, "file": None, "batch_id": None,
                    "dataset": "freshness", "period": f"kỳ mới nhất kết thúc {last}" if last else "chưa có",
                    "units": None,
                    "action": "các bảng mart hiển thị dữ liệu nhận gần nhất; đề nghị đơn vị vận hành hệ thống nguồn "
                              "gửi bản xuất mới",
                    "failed": [{"dataset": "freshness", "expectation": "expect_newest_period_to_be_recent",
                                "column": "period_end", "severity": "error",
                                "expected": f"không quá {limit} ngày", "observed": observed, "sample": [],
                                "why": None}],
                    "data_docs": None,
                }
                history.write_alert(wh, alerts.dispatch(alert), None)
        return results
    finally:
        if own:
            wh.close()
