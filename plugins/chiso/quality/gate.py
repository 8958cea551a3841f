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

def _evaluate(dataset: str, parquet: str | Path, engine: str,
              context: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[CheckResult]]:
    """Evaluate the dataset's active expectations on one Parquet table: (suite spec, one result each)."""
    spec = suites.load_suite_json(dataset)
    active = [(e, c) for e, c in zip(spec["expectations"], suites.configs(spec)) if suites.is_active(c)]
    spec = dict(spec, expectations=[e for e, _ in active])
    configs = [c for _, c in active]
    relation = f"read_parquet({_lit(str(parquet))})"
    results: list[CheckResult | None] = [None] * len(configs)
    # GX's pandas engine cannot run SQL (unexpected_rows_expectation needs a SQL data source): those always
    # run in DuckDB; with engine=gx everything else goes to GX
    selected = [i for i, c in enumerate(configs) if engine == "duckdb" or c.type == "unexpected_rows_expectation"]
    if selected:
        con = compiler.engine_connection().cursor()  # a cursor of one in-memory database per process
        try:
            columns = [d[0] for d in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
            compiled_sel = compiler.evaluate(con, relation, columns, [configs[i] for i in selected], context)
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
                     context: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate one Parquet table with the dataset's suite.

    Returns (outcome, suite result): the outcome is chiso's summary (checks, severities, samples); the suite
    result is GX's ``ExpectationSuiteValidationResult.to_json_dict()`` for the same validation — what
    ``results.store_result`` writes, ``results.gx_suite_result`` turns back into the GX object and
    ``data_docs.render_data_docs`` renders. Without a pandas fallback, Great Expectations is not imported.
    """
    engine = engine or settings.gx_engine()
    spec, results = _evaluate(dataset, parquet, engine, context)
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


def validate_batch(batch: Batch) -> dict[str, Any]:
    """Validate every table of a parsed batch; the batch passes when no ``error`` expectation fails.

    Returns the gate's report (also written to the work folder as ``validation.json``): success, a one-line
    summary, each suite's outcome, and the Data Docs page of the first failure."""
    outcomes = []
    pages = []
    key = batch.supersede_key or batch.batch_id
    context = {"tables": batch.tables, "supersede_key": key}
    for dataset, parquet in batch.tables.items():
        outcome, suite_result = validate_parquet(dataset, parquet, context=context)
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
    Path(batch.work_dir, "validation.json").write_text(json.dumps(out, ensure_ascii=False, indent=1),
                                                      encoding="utf-8")
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
    for b in batches:
        if b.status != "parsed":
            alert = alerts.dispatch(alerts.build_parse_alert(b))
            out.append(b.but(alert_id=alert["alert_id"]))
            continue
        report = validate_batch(b)
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
