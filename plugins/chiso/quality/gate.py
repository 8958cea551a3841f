"""The data-quality gate: each parsed batch's tables against their dataset's suite.

A batch passes when no ``error`` expectation fails; a ``warning`` passes and notifies. Two engines evaluate the
same GX suites: ``duckdb`` (default, chiso.quality.compiler) and ``gx`` (``CHISO_GX_ENGINE=gx``, GX's pandas
engine, chiso.quality.gx_pandas). Expectation types the compiler does not know go to GX on pandas, so a suite
may use any GX expectation. When every expectation is compiled, Great Expectations is not imported at all
(~6 s a process): the stored result is written in GX's own form (chiso.quality.results).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chiso import settings
from chiso.ingest.batch import Batch
from chiso.quality import compiler, data_docs, profiles, suites
from chiso.quality import results as stored
from chiso.quality.results import NO_EXCEPTION, CheckResult
from chiso.quality.suites import SAMPLE_SIZE, Expectation
from chiso.util.jsonable import to_jsonable
from chiso.util.sql import literal as _lit

log = logging.getLogger(__name__)

def _active(dataset: str) -> tuple[dict[str, Any], list[Expectation]]:
    """The dataset's suite with its active expectations only, and their configurations."""
    spec = suites.load_suite_json(dataset)
    active = [(e, c) for e, c in zip(spec["expectations"], suites.configs(spec)) if suites.is_active(c)]
    return dict(spec, expectations=[e for e, _ in active]), [c for _, c in active]


def _compiled(configs: list[Expectation], engine: str) -> list[int]:
    """Which expectations DuckDB evaluates: all with engine=duckdb; with engine=gx only the SQL ones (GX's pandas
    engine cannot run SQL)."""
    return [i for i, c in enumerate(configs) if engine == "duckdb" or c.type == "unexpected_rows_expectation"]


TableScan = tuple[list[str], dict[str, Any]]  # a table's columns and its one-scan aggregates
Scanned = dict[str, TableScan]  # by Parquet file
SMALL_TABLE_BYTES = 8 << 20  # tables scanned together with the others of their chunk


def _scan_together(batches: list[Batch], engine: str) -> Scanned:
    """The one-scan aggregates of a chunk's small tables, one grouped scan per dataset and schema (names and
    types) instead of one per table: a chunk of a thousand small 766 responses read in two statements, not two
    thousand. Tables that cannot be grouped (alone, large, unreadable) are scanned alone as before."""
    import duckdb
    import pyarrow.parquet as pq

    groups: dict[tuple, list[str]] = {}
    for b in batches:
        if b.status != "parsed":
            continue
        for dataset, path in b.tables.items():
            try:
                if Path(path).stat().st_size > SMALL_TABLE_BYTES:
                    continue
                schema = pq.read_schema(path)
            except (OSError, ValueError):  # the table's own validation says what is wrong with it
                continue
            groups.setdefault((dataset, tuple(schema.names), tuple(map(str, schema.types))), []).append(str(path))
    out: Scanned = {}
    con = compiler.engine_connection().cursor()
    try:
        for (dataset, names, _), files in groups.items():
            if len(files) < 2:
                continue
            _, configs = _active(dataset)
            selected = [configs[i] for i in _compiled(configs, engine)]
            try:
                aggs = compiler.aggregate_files(con, files, list(names), selected)
            except duckdb.Error as exc:
                log.info("%s: %d tables scanned one by one (%s)", dataset, len(files), exc)
                continue
            out.update((f, (list(names), aggs[f])) for f in files)
    finally:
        con.close()
    return out


def _evaluate(dataset: str, parquet: str | Path, engine: str, context: dict[str, Any] | None = None,
              scanned: TableScan | None = None) -> tuple[dict[str, Any], list[CheckResult]]:
    """Evaluate the dataset's active expectations on one Parquet table: (suite spec, one result each).
    ``scanned``: the table's columns and one-scan aggregates, when its chunk computed them together."""
    spec, configs = _active(dataset)
    relation = f"read_parquet({_lit(str(parquet))})"
    results: list[CheckResult | None] = [None] * len(configs)
    selected = _compiled(configs, engine)
    if selected:
        con = compiler.engine_connection().cursor()  # a cursor of one in-memory database per process
        try:
            columns = scanned[0] if scanned else \
                [d[0] for d in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
            compiled_sel = compiler.evaluate(con, relation, columns, [configs[i] for i in selected], context,
                                             agg=scanned[1] if scanned else None)
        finally:
            con.close()
        for j, r in compiled_sel.items():
            i = selected[j]
            exception = ({"raised_exception": True, "exception_message": r["exception"], "exception_traceback": None}
                         if r.get("exception") else dict(NO_EXCEPTION))
            results[i] = CheckResult(config=configs[i], success=bool(r["success"]), result=r["result"],
                                     exception_info=exception)
    rest = [i for i, r in enumerate(results) if r is None]
    if rest:  # expectation types the compiler does not know (or engine=gx): GX on pandas
        import pyarrow.parquet as pq

        from chiso.quality import gx_pandas

        frame = pq.read_table(parquet).to_pandas()
        # GX orders results its own way: match each back to its configuration
        for r in gx_pandas.evaluate(dataset, frame, spec, only=rest):
            for i in rest:
                if results[i] is None and gx_pandas.same_config(configs[i], r.expectation_config):
                    cfg = r.expectation_config
                    exc = r.exception_info if isinstance(r.exception_info, dict) else {}
                    results[i] = CheckResult(config=Expectation(cfg.type, dict(cfg.kwargs), dict(cfg.meta or {}),
                                                                   cfg.description, cfg.severity),
                                             success=bool(r.success), result=r.result or {}, exception_info=exc,
                                             gx=r)
                    break
        if any(results[i] is None for i in rest):
            raise ValueError(f"suite {dataset}: two expectations share a type and column; GX keeps only one of "
                             f"them — merge them in expectations/{dataset}.json")
    return spec, [r for r in results if r is not None]


def validate_parquet(dataset: str, parquet: str | Path, engine: str | None = None,
                     context: dict[str, Any] | None = None,
                     scanned: TableScan | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate one Parquet table with the dataset's suite.

    Returns (outcome, suite result): the outcome is chiso's summary (checks, severities, samples); the suite
    result is GX's ``ExpectationSuiteValidationResult.to_json_dict()`` for the same validation — what
    ``results.store_result`` writes, ``results.gx_suite_result`` turns back into the GX object and
    ``data_docs.render_data_docs`` renders. Without a pandas fallback, Great Expectations is not imported.
    """
    engine = engine or settings.gx_engine()
    spec, results = _evaluate(dataset, parquet, engine, context, scanned)
    validated_at = datetime.now(UTC).replace(tzinfo=None)
    suite_result = stored.suite_result_json(
        results, spec.get("name", dataset),
        meta={"active_batch_definition": {"datasource_name": "chiso", "data_asset_name": dataset,
                                          "batch_definition_name": Path(parquet).parent.name},
              "validation_time": validated_at.isoformat(), "engine": engine},
    )
    checks = []
    for r in results:
        cfg = r.config
        res = r.result or {}
        exc = r.exception_info or {}
        checks.append({
            "expectation": cfg.type,
            "kwargs": {k: v for k, v in cfg.kwargs.items() if k != "batch_id"},
            "severity": cfg.level,
            "description": cfg.description,
            "success": bool(r.success),
            "why": (cfg.meta or {}).get("why"),
            "observed": res.get("observed_value"),
            "unexpected_count": res.get("unexpected_count"),
            "unexpected_percent": res.get("unexpected_percent"),
            "sample": [str(v)[:120] for v in (res.get("partial_unexpected_list")
                                               or (res.get("details") or {}).get("unexpected_rows") or [])[:SAMPLE_SIZE]],
            "exception": exc.get("exception_message") if exc.get("raised_exception") else None,
        })
    blocking = [c for c in checks if not c["success"] and c["severity"] == "error"]
    outcome = to_jsonable({
        "dataset": dataset,
        "suite": spec.get("name", dataset),
        "engine": engine,
        "validated_at": validated_at.isoformat(timespec="seconds"),
        "success": not blocking,
        "evaluated": len(checks),
        "failed_errors": len(blocking),
        "failed_warnings": sum(1 for c in checks if not c["success"]) - len(blocking),
        "checks": checks,
    })
    return outcome, suite_result


def validate_batch(batch: Batch, scanned: Scanned | None = None) -> dict[str, Any]:
    """Validate every table of a parsed batch; the batch passes when no ``error`` expectation fails.

    Returns the gate's report (also written to ``batch.report_path``, in its work folder): success, a one-line
    summary, each suite's outcome, and the Data Docs page of the first failure."""
    outcomes = []
    pages = []
    key = batch.supersede_key or batch.batch_id
    context = {"tables": batch.tables, "supersede_key": key}
    for dataset, parquet in batch.tables.items():
        outcome, suite_result = validate_parquet(dataset, parquet, context=context,
                                                 scanned=(scanned or {}).get(str(parquet)))
        stored.store_result(suite_result, dataset, batch.batch_id)
        if outcome["success"]:
            profiles.write_profile(dataset, parquet, key)
        if not all(c["success"] for c in outcome["checks"]):  # alerts link to this page
            page = data_docs.render_data_docs(suite_result, dataset, batch.batch_id)
            outcome["data_docs_url"] = data_docs.data_docs_url(page)
            pages.append(outcome["data_docs_url"])
        outcomes.append(outcome)
    success = all(o["success"] for o in outcomes)
    failed = []
    for o in outcomes:
        for c in o["checks"]:
            if not c["success"] and c["severity"] == "error":
                col = c["kwargs"].get("column") or c["kwargs"].get("column_A") or ""
                seen = c["observed"] if c["unexpected_count"] is None else f"{c['unexpected_count']} unexpected"
                failed.append(f"{o['dataset']}: {c['expectation']}({col}) observed {seen}")
    summary = "passed" if success else f"{batch.file_name}: failed " + "; ".join(failed)
    out = {"success": success, "summary": summary, "suites": outcomes, "data_docs_url": pages[0] if pages else None}
    # read by the next task, not by people (they read the Data Docs): without indent, json's C encoder writes it
    batch.report_path.write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    if not success:
        log.warning("validation failed: %s", summary)
    return out


def validate(batches: list[Batch]) -> list[Batch]:
    """The gate's step for a chunk of batches: each parsed batch against its suites.

    A failed expectation (or an unreadable file) is alerted at once, from this step: people hear of it
    before the load step runs. The alert record stays in the outbox whatever the channels do.
    """
    from chiso.quality import alerts

    out = []
    scanned = _scan_together(batches, settings.gx_engine())
    for b in batches:
        if b.status != "parsed":
            alert = alerts.dispatch(alerts.build_parse_alert(b))
            out.append(b.but(alert_id=alert["alert_id"]))
            continue
        report = validate_batch(b, scanned)
        b = b.but(status="validated" if report["success"] else "validation_failed",
                  error=None if report["success"] else report["summary"], validation=report)
        if any(not c["success"] for s in report["suites"] for c in s["checks"]):
            b = b.but(alert_id=alerts.dispatch(alerts.build_alert(b, report))["alert_id"])
        out.append(b)
    if batches:
        data_docs.build_data_docs()
    return out


def validate_frame(dataset: str, frame, engine: str | None = None) -> dict[str, Any]:
    """Validate a pandas DataFrame (tests, notebooks): written to a temporary Parquet, same path as batches."""
    import tempfile

    import pyarrow as pa
    import pyarrow.parquet as pq

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / f"{dataset}.parquet"
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), target)
        outcome, _ = validate_parquet(dataset, target, engine=engine)
    return outcome
