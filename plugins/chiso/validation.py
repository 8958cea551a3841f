"""The data-quality gate: each dataset's Great Expectations suite (``expectations/<dataset>.json``).

Every expectation carries ``meta.severity``: ``error`` blocks the batch (it is quarantined), ``warning``
passes and is reported. Results are saved beside the batch (``validation.json``) for the load step.
"""

from __future__ import annotations

import json
import logging
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from chiso import paths

log = logging.getLogger(__name__)

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def load_suite_json(dataset: str) -> dict[str, Any]:
    path = paths.expectations_dir() / f"{dataset}.json"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no expectation suite for dataset {dataset!r}")
    return json.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _context():
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    return ctx


def _suite(dataset: str):
    import great_expectations as gx
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    spec = load_suite_json(dataset)
    suite = gx.ExpectationSuite(name=spec.get("name", dataset), meta=spec.get("meta", {}))
    for exp in spec["expectations"]:
        suite.add_expectation_configuration(
            ExpectationConfiguration(type=exp["type"], kwargs=exp["kwargs"], meta=exp.get("meta", {}))
        )
    return suite


def validate_frame(dataset: str, frame) -> dict[str, Any]:
    """Validate a pandas DataFrame with the dataset's suite; return a JSON-able outcome."""
    ctx = _context()
    suite = _suite(dataset)
    name = f"{dataset}"
    try:
        source = ctx.data_sources.get(name)
    except (KeyError, ValueError):
        source = ctx.data_sources.add_pandas(name)
    try:
        asset = source.get_asset("batch")
    except (LookupError, ValueError):
        asset = source.add_dataframe_asset("batch")
    try:
        definition = asset.get_batch_definition("whole")
    except (KeyError, ValueError):
        definition = asset.add_batch_definition_whole_dataframe("whole")
    batch = definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite, result_format={"result_format": "SUMMARY", "partial_unexpected_count": 5})
    failures = []
    checks = []
    for r in result.results:
        cfg = r.expectation_config
        severity = (cfg.meta or {}).get("severity", "error")
        res = r.result or {}
        entry = {
            "expectation": cfg.type,
            "kwargs": {k: v for k, v in cfg.kwargs.items() if k != "batch_id"},
            "severity": severity,
            "success": bool(r.success),
            "why": (cfg.meta or {}).get("why"),
            "observed": res.get("observed_value"),
            "unexpected_count": res.get("unexpected_count"),
            "unexpected_percent": res.get("unexpected_percent"),
            "sample": [str(v)[:60] for v in (res.get("partial_unexpected_list") or [])[:5]],
            "exception": (r.exception_info or {}).get("exception_message") if r.exception_info else None,
        }
        checks.append(entry)
        if not r.success:
            failures.append(entry)
    blocking = [f for f in failures if f["severity"] == "error"]
    return json.loads(json.dumps({
        "dataset": dataset,
        "suite": suite.name,
        "success": not blocking,
        "evaluated": len(checks),
        "failed_errors": len(blocking),
        "failed_warnings": len(failures) - len(blocking),
        "checks": checks,
    }, default=str))


def validate_batch(batch: dict[str, Any]) -> dict[str, Any]:
    """Validate every table of a parsed batch; the batch passes when no ``error`` expectation fails."""
    import pyarrow.parquet as pq

    outcomes = []
    for dataset, parquet in batch["tables"].items():
        frame = pq.read_table(parquet).to_pandas()
        outcome = validate_frame(dataset, frame)
        outcomes.append(outcome)
    success = all(o["success"] for o in outcomes)
    failed = [
        f"{o['dataset']}: {c['expectation']}({c['kwargs'].get('column') or c['kwargs'].get('column_A') or ''})"
        f" observed {c['observed'] if c['observed'] is not None else c['unexpected_count']} "
        f"{'unexpected' if c['observed'] is None else ''}"
        for o in outcomes for c in o["checks"] if not c["success"] and c["severity"] == "error"
    ]
    summary = "passed" if success else f"{batch.get('file_name')}: failed " + "; ".join(failed)
    out = {"success": success, "summary": summary, "suites": outcomes}
    Path(batch["work_dir"], "validation.json").write_text(json.dumps(out, ensure_ascii=False, indent=1),
                                                         encoding="utf-8")
    if not success:
        log.warning("validation failed: %s", summary)
    return out
