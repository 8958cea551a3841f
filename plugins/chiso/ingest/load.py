"""The steps every ingestion DAG runs, as plain functions over small JSON-able descriptors.

``land`` → ``parse`` → ``validate`` → ``load``. Tasks pass batch descriptors (paths, ids, counts), never
data: parsed tables go to Parquet under ``data/work/<sha>/``. A batch is keyed by its receipt (the file's SHA-256
and the name it came under, see ``chiso.landing``), never by the run's date (asset-triggered runs have none).

Accounting: for every file, ``rows_read == rows_loaded + rows_rejected``. Rows a parser rejects are kept
in ``raw.rejected_row`` with their reason. A file that cannot be parsed, whose rejected share exceeds
``CHISO_MAX_REJECT_SHARE`` (default 0.05), or that fails an ``error`` expectation is quarantined whole:
copied with its error report to ``data/quarantine/``, recorded in the manifest, nothing of it loaded; the
warehouse keeps the last good data and every other file goes on.
"""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from chiso import settings
from chiso.ingest import landing

log = logging.getLogger(__name__)

Batch = dict[str, Any]


def max_reject_share() -> float:
    return float(os.environ.get("CHISO_MAX_REJECT_SHARE", "0.05"))


# ---------------------------------------------------------------- SQL values
class _NotALiteral(Exception):
    pass


def _literal(v: Any) -> str:
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float) and math.isfinite(v):
        return repr(v)
    if isinstance(v, datetime) and v.tzinfo is None:
        return f"TIMESTAMP '{v.isoformat(sep=' ')}'"
    if isinstance(v, date) and not isinstance(v, datetime):
        return f"DATE '{v.isoformat()}'"
    if isinstance(v, str) and "\x00" not in v:
        return "'" + v.replace("'", "''") + "'"
    raise _NotALiteral(type(v).__name__)


def _sql(con, sql: str, params: Sequence[Any] = (), *, many: bool = False):
    """``con.execute(sql, params)`` (or ``executemany``), with the ``?`` written in as SQL literals.

    Binding Python values makes the DuckDB client import pandas (to recognise its types): half a second
    and more in every load task, for the few dozen values a load writes. A value a literal cannot carry
    (a NUL character, an aware timestamp, ...) is bound as before."""
    try:
        if many:
            head, values = sql.split(" VALUES ")
            if not params:
                return None
            return con.execute(f"{head} VALUES " + ", ".join(_fill(values, row) for row in params))
        return con.execute(_fill(sql, params))
    except _NotALiteral:
        return con.executemany(sql, params) if many else con.execute(sql, params)


def _fill(sql: str, params: Sequence[Any]) -> str:
    parts = sql.split("?")
    if len(parts) != len(params) + 1:
        raise ValueError(f"{len(parts) - 1} placeholders for {len(params)} values in {sql[:60]!r}")
    out = [parts[0]]
    for v, part in zip(params, parts[1:]):
        out += [_literal(v), part]
    return "".join(out)


# ---------------------------------------------------------------- land
def land(source_system: str) -> list[Batch]:
    """Land new export files of one source; one descriptor per new file."""
    return [
        {"batch_id": rec.batch_id, "sha256": rec.sha256, "source_system": source_system, "landed": rec.to_dict()}
        for rec in landing.land_new(source_system)
    ]


def chunk(batches: list[Batch], size: int | None = None) -> list[list[Batch]]:
    """Group batches so a task handles several small files (a task per file costs more than the file)."""
    size = size or int(os.environ.get("CHISO_FILES_PER_TASK", "200"))
    return [batches[i : i + size] for i in range(0, len(batches), size)]


# ---------------------------------------------------------------- parse
def _scope(dataset: str, table) -> str:
    """What a file covers, besides its period: a corrected export of the same scope supersedes it.

    ``table``: an Arrow table, or a ``WrittenTable`` (only the columns needed are read from its Parquet)."""
    import pyarrow.compute as pc

    from chiso.sources import WrittenTable

    if table.num_rows == 0:
        return ""
    if isinstance(table, WrittenTable):
        import pyarrow.parquet as pq

        needed = {"motcua_bieu06": ["reporting_unit"],
                  "dvc_766_unit": ["is_root", "department_id", "group_code", "period_type"]}
        with pq.ParquetFile(table.path) as f:
            names = f.schema_arrow.names
            table = f.read(columns=needed.get(dataset, [c for c in ["agency_code"] if c in names]))
    if dataset == "motcua_bieu06":
        col = table.column("reporting_unit")
        return "|".join(sorted({v for v in col.to_pylist() if v}))
    if dataset == "dvc_766_unit":
        # the root unit's departmentId: the code is missing from some endpoints' responses
        is_root = table.column("is_root").to_pylist()
        roots = {d for d, r in zip(table.column("department_id").to_pylist(), is_root) if r and d}
        groups = {v for v in table.column("group_code").to_pylist() if v}
        types = {v for v in table.column("period_type").to_pylist() if v}
        return "|".join(sorted(groups) + sorted(roots) + sorted(types))
    if "agency_code" in table.column_names:
        codes = pc.unique(table.column("agency_code")).to_pylist()
        return "|".join(sorted({str(c).split(".")[0] for c in codes if c}))
    return ""


def parse_one(batch: Batch) -> Batch:
    """Parse one landed file into Parquet tables under the work folder."""
    from chiso import sources
    from chiso.sources.base import ParseError, WrittenTable
    from chiso.sources.common import write_parquet

    rec = batch["landed"]
    path = Path(rec["landed_path"])
    out_dir = settings.work_dir() / batch["batch_id"]
    out_dir.mkdir(parents=True, exist_ok=True)
    result = dict(batch, file_name=rec["relative_name"], work_dir=str(out_dir))
    try:
        parsed = sources.parse(path, out_dir=out_dir)  # large tables are streamed to out_dir as they are parsed
    except ParseError as exc:
        log.warning("parse failed: %s", exc)
        return dict(result, status="parse_failed", error=str(exc), errors=[asdict(exc.error)],
                    format=None, dataset=None, rows_read=exc.__dict__.get("rows_read", 0), tables={})
    except Exception as exc:  # an unexpected parser fault quarantines the file, never the run
        log.exception("parser crashed on %s", path)
        return dict(result, status="parse_failed", error=f"{path.name}: parser error {type(exc).__name__}: {exc}",
                    errors=[], format=None, dataset=None, rows_read=0, tables={})
    tables = {}
    for dataset, table in parsed.tables.items():
        if isinstance(table, WrittenTable):
            tables[dataset] = str(table.path)
            continue
        target = out_dir / f"{dataset}.parquet"
        write_parquet(table, target)
        tables[dataset] = str(target)
    main = parsed.tables.get(parsed.main_dataset)
    rejects = [asdict(e) for e in parsed.rejects]
    (out_dir / "rejects.json").write_text(json.dumps(rejects, ensure_ascii=False), encoding="utf-8")
    slot = "|".join(
        [parsed.format, _scope(parsed.main_dataset, main) if main is not None else "",
         str(parsed.period_start), str(parsed.period_end)]
    )
    status = "parsed"
    error = None
    if parsed.rows_read and parsed.rows_rejected / parsed.rows_read > max_reject_share():
        status = "parse_failed"
        error = (f"{path.name}: {parsed.rows_rejected} of {parsed.rows_read} rows rejected, over the "
                 f"{max_reject_share():.0%} allowed; first: "
                 + "; ".join(e.describe(path.name) for e in parsed.rejects[:3]))
    return dict(
        result,
        status=status,
        error=error,
        errors=rejects[:50],
        **parsed.summary(),
        tables=tables,
        slot=slot,
        meta=_jsonable(parsed.meta),
    )


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def parse(batches: list[Batch]) -> list[Batch]:
    return [parse_one(b) for b in batches]


# ---------------------------------------------------------------- validate
def validate(batches: list[Batch]) -> list[Batch]:
    """Run the dataset's Great Expectations suite on each parsed batch (see ``chiso.validation``).

    A failed expectation (or an unreadable file) is alerted at once, from this task: people hear of it
    before the load step runs. The alert record stays in the outbox whatever the channels do.
    """
    from chiso.quality import alerts
    from chiso.quality import gate as validation

    out = []
    for b in batches:
        if b["status"] != "parsed":
            alert = alerts.dispatch(alerts.build_parse_alert(b))
            out.append(dict(b, alert_id=alert["alert_id"]))
            continue
        outcome = validation.validate_batch(b)
        status = "validated" if outcome["success"] else "validation_failed"
        error = None if outcome["success"] else outcome["summary"]
        b = dict(b, status=status, error=error, validation=outcome)
        if any(not c["success"] for s in outcome["suites"] for c in s["checks"]):
            b["alert_id"] = alerts.dispatch(alerts.build_alert(b, outcome))["alert_id"]
        out.append(b)
    if batches:
        validation.build_data_docs()
    return out


# ---------------------------------------------------------------- load
def _quarantine(con, b: Batch, now: datetime) -> None:
    qdir = settings.quarantine_dir() / b["source_system"] / b["batch_id"]
    qdir.mkdir(parents=True, exist_ok=True)
    src = Path(b["landed"]["landed_path"])
    dest = qdir / src.name
    if not dest.exists():
        shutil.copyfile(src, dest)
    report = {k: b.get(k) for k in ("batch_id", "sha256", "file_name", "format", "dataset", "period_start", "period_end",
                                     "status", "error", "errors", "rows_read", "validation")}
    (qdir / "error_report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str),
                                            encoding="utf-8")
    _manifest_row(con, b, now, status="quarantined", rows_loaded=0, rows_rejected=b.get("rows_read") or 0)
    log.warning("quarantined %s: %s", b["file_name"], b.get("error"))


def _manifest_row(con, b: Batch, now: datetime, *, status: str, rows_loaded: int, rows_rejected: int) -> None:
    rec = b["landed"]
    _sql(con, "DELETE FROM raw.landing_manifest WHERE batch_id = ?", [b["batch_id"]])
    _sql(
        con,
        "INSERT INTO raw.landing_manifest VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            b["batch_id"], b["sha256"], b["source_system"], b.get("format"), b.get("dataset"), b["file_name"],
            rec["landed_path"], rec["size_bytes"], b.get("slot"), b.get("period_start"), b.get("period_end"),
            datetime.fromisoformat(rec["received_at"]).replace(tzinfo=None), now,
            b.get("rows_read") or 0, rows_loaded, rows_rejected, status, None, b.get("error"),
        ],
    )


def load(batches: list[Batch]) -> list[Batch]:
    """Load validated batches into the raw layer; quarantine the rest. Run in the warehouse_writer pool."""
    from chiso.warehouse import duckdb_backend as warehouse

    now = datetime.now(UTC).replace(tzinfo=None)
    results = []
    con = warehouse.connect()
    try:
        warehouse.ensure_raw_schema(con)
        for b in batches:
            con.execute("BEGIN TRANSACTION")
            try:
                if b["status"] != "validated":
                    _quarantine(con, b, now)
                    results.append(dict(b, status="quarantined"))
                else:
                    results.append(_load_one(con, b, now))
                _record_dq(con, b, now, action=results[-1]["status"])
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return results


def _record_dq(con, b: Batch, now: datetime, action: str) -> None:
    """Validation runs, results and alerts into the warehouse: a history analysts can query."""
    from chiso.quality import alerts

    sha = b["batch_id"]
    for suite in (b.get("validation") or {}).get("suites", []):
        run_id = f"{sha[:16]}:{suite['dataset']}:{suite.get('validated_at', now.isoformat())}"
        _sql(con, "DELETE FROM raw.dq_result WHERE run_id = ?", [run_id])
        _sql(con, "DELETE FROM raw.dq_run WHERE run_id = ?", [run_id])
        _sql(
            con,
            "INSERT INTO raw.dq_run VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [run_id, sha, b["source_system"], suite["dataset"], suite["suite"], b["file_name"],
             b.get("period_start"), b.get("period_end"), suite.get("validated_at") or now, suite["success"],
             suite["evaluated"], suite["failed_errors"], suite["failed_warnings"], action,
             (b.get("validation") or {}).get("data_docs_url")],
        )
        _sql(
            con,
            "INSERT INTO raw.dq_result VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [[run_id, sha, suite["dataset"], c["expectation"],
              c["kwargs"].get("column") or c["kwargs"].get("column_A"),
              json.dumps(c["kwargs"], ensure_ascii=False, default=str), c["severity"], c["success"],
              None if c["observed"] is None else str(c["observed"]), c["unexpected_count"],
              c["unexpected_percent"], json.dumps(c["sample"], ensure_ascii=False), c["why"]]
             for c in suite["checks"]],
            many=True,
        )
    if b.get("alert_id"):
        path = alerts.outbox_dir() / f"{b['alert_id']}.json"
        if path.exists():
            rec = json.loads(path.read_text(encoding="utf-8"))
            _sql(con, "DELETE FROM raw.dq_alert WHERE alert_id = ?", [rec["alert_id"]])
            rows = [[rec["alert_id"], sha, rec["severity"], rec["source_system"], rec["file"], d["channel"],
                     d["target"], d["ok"], d["detail"], alerts.render_text(rec)] for d in rec["deliveries"]]
            rows = rows or [[rec["alert_id"], sha, rec["severity"], rec["source_system"], rec["file"], "none",
                             None, False, "no channel configured", alerts.render_text(rec)]]
            _sql(con, "INSERT INTO raw.dq_alert VALUES (?,?,?,?,?,?,?,?,?,?)", rows, many=True)


def _load_one(con, b: Batch, now: datetime) -> Batch:
    from chiso import contracts as schemas

    sha = b["batch_id"]
    # a re-run of the same batch replaces its own rows (idempotent). Rows of a batch are only ever written
    # in the transaction that writes its manifest row: a batch without one has nothing to replace.
    if _sql(con, "SELECT count(*) FROM raw.landing_manifest WHERE batch_id = ?", [sha]).fetchone()[0]:
        for dataset in schemas.DATASETS:
            _sql(con, f"DELETE FROM raw.{dataset} WHERE batch_id = ?", [sha])
        _sql(con, "DELETE FROM raw.rejected_row WHERE batch_id = ?", [sha])
    loaded = 0
    for dataset, parquet in b["tables"].items():
        cols = [c for c, _ in schemas.columns(dataset)]
        select = ", ".join(f'"{c}"' for c in cols)
        # the statement returns the number of rows it inserted: no second scan to count them
        inserted = _sql(
            con,
            f"INSERT INTO raw.{dataset} SELECT ?, ?, source_row, {select} FROM read_parquet(?)",
            [sha, b["file_name"], parquet],
        ).fetchone()[0]
        if dataset == b["dataset"]:
            loaded = inserted
    rejects = Path(b["work_dir"]) / "rejects.json"
    if rejects.stat().st_size > len("[]"):
        # straight from the parser's rejects.json (up to 5% of a file: tens of thousands of rows)
        _sql(
            con,
            "INSERT INTO raw.rejected_row SELECT ?, ?, \"row\", \"column\", expected, found, message FROM read_json(?, "
            "format = 'array', columns = {'row': 'INTEGER', 'column': 'VARCHAR', 'expected': 'VARCHAR', "
            "'found': 'VARCHAR', 'message': 'VARCHAR'})",
            [sha, b["file_name"], str(rejects)],
        )
    # a corrected export supersedes the earlier batch of the same slot; both stay in landing
    older = _sql(
        con,
        "SELECT batch_id FROM raw.landing_manifest WHERE slot = ? AND status = 'loaded' AND batch_id <> ?",
        [b["slot"], sha],
    ).fetchall()
    for (old,) in older:
        for dataset in schemas.DATASETS:
            _sql(con, f"DELETE FROM raw.{dataset} WHERE batch_id = ?", [old])
        _sql(
            con,
            "UPDATE raw.landing_manifest SET status = 'superseded', superseded_by = ? WHERE batch_id = ?",
            [sha, old],
        )
        log.info("%s supersedes batch %s", b["file_name"], old[:12])
    rejected = b.get("rows_rejected") or 0
    if loaded + rejected != b["rows_read"]:
        raise RuntimeError(
            f"{b['file_name']}: accounting broken: read {b['rows_read']}, loaded {loaded}, rejected {rejected}"
        )
    _manifest_row(con, b, now, status="loaded", rows_loaded=loaded, rows_rejected=rejected)
    return dict(b, status="loaded", rows_loaded=loaded)


def summarise(results: list[Batch]) -> dict[str, Any]:
    out: dict[str, Any] = {"files": len(results), "loaded": 0, "quarantined": 0, "rows_read": 0,
                           "rows_loaded": 0, "rows_rejected": 0, "periods": []}
    periods = set()
    for r in results:
        out["loaded" if r["status"] == "loaded" else "quarantined"] += 1
        out["rows_read"] += r.get("rows_read") or 0
        out["rows_loaded"] += r.get("rows_loaded") or 0
        out["rows_rejected"] += (r.get("rows_rejected") or 0) if r["status"] == "loaded" else (r.get("rows_read") or 0)
        if r.get("period_start"):
            periods.add(r["period_start"])
    out["periods"] = sorted(periods)
    return out
