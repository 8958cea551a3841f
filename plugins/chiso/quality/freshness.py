"""Freshness: the newest period each source has delivered is not older than a configured number of days.

Run by the build DAG (in the warehouse pool) before dbt: it reads ``raw.landing_manifest``, records one
``dq_run``/``dq_result`` per source (dataset ``freshness``), and alerts when a source is stale. Stale data
does not stop the build — the marts then show the last good data, and the alert says how old it is.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from typing import Any

from chiso.quality import alerts
from chiso.warehouse import duckdb_backend as warehouse

DEFAULT_MAX_AGE_DAYS = 45  # a monthly export is due within ~2 weeks of the month's end


def max_age_days(source_system: str) -> int:
    return int(os.environ.get(f"CHISO_FRESHNESS_MAX_DAYS_{source_system.upper()}",
                              os.environ.get("CHISO_FRESHNESS_MAX_DAYS", DEFAULT_MAX_AGE_DAYS)))


def check(today: date | None = None, con=None, notify: bool = True) -> list[dict[str, Any]]:
    today = today or datetime.now(UTC).date()
    own = con is None
    con = con or warehouse.connect()
    try:
        warehouse.ensure_raw_schema(con)
        rows = con.execute(
            """select source_system, max(period_end) from raw.landing_manifest
               where status = 'loaded' and period_end is not null group by 1"""
        ).fetchall()
        newest = dict(rows)
        now = datetime.now(UTC).replace(tzinfo=None)
        results = []
        for source in ("motcua", "qlvb", "dvc"):
            last = newest.get(source)
            limit = max_age_days(source)
            age = (today - last).days if last else None
            ok = age is not None and age <= limit
            run_id = f"freshness:{source}:{now.isoformat(timespec='seconds')}"
            con.execute(
                "INSERT INTO raw.dq_run VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [run_id, None, source, "freshness", "freshness", None, None, last, now, ok, 1,
                 0 if ok else 1, 0, "checked", None],
            )
            observed = f"newest period ends {last} ({age} days ago)" if last else "no data loaded"
            con.execute(
                "INSERT INTO raw.dq_result VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [run_id, None, "freshness", "expect_newest_period_to_be_recent", "period_end",
                 json.dumps({"max_age_days": limit}), "error", ok, observed, None, None, "[]",
                 f"The {source} source must deliver its newest period within {limit} days."],
            )
            result = {"source_system": source, "newest_period_end": str(last) if last else None, "age_days": age,
                      "max_age_days": limit, "ok": ok}
            results.append(result)
            if not ok and notify:
                alert = {
                    "alert_id": f"freshness-{source}-{int(now.timestamp())}",
                    "severity": "error", "source_system": source, "file": None, "batch_id": None,
                    "dataset": "freshness", "period": f"newest period ends {last}", "units": None,
                    "action": "the marts show the last data received; ask the source system's operator for the export",
                    "failed": [{"dataset": "freshness", "expectation": "expect_newest_period_to_be_recent",
                                "column": "period_end", "severity": "error",
                                "expected": f"at most {limit} days old", "observed": observed, "sample": [],
                                "why": None}],
                    "data_docs": None,
                }
                rec = alerts.dispatch(alert)
                for d in rec["deliveries"] or [{"channel": "none", "target": None, "ok": False,
                                                "detail": "no channel configured"}]:
                    con.execute("INSERT INTO raw.dq_alert VALUES (?,?,?,?,?,?,?,?,?,?)",
                                [rec["alert_id"], None, "error", source, None, d["channel"], d["target"], d["ok"],
                                 d["detail"], alerts.render_text(rec)])
        return results
    finally:
        if own:
            con.close()
