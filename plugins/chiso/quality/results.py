"""Validation results in Great Expectations' own form, written without importing GX.

:class:`CheckResult` is GX's ``ExpectationValidationResult`` and :func:`suite_result_json` GX's
``ExpectationSuiteValidationResult.to_json_dict()``: ``tests/unit/test_validation.py`` checks that they equal
GX's own serialisation. Every validation's result is stored as JSON (``data/dq/results/<dataset>/<batch_id>.json``):
the source of the Data Docs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chiso import settings
from chiso.quality.gx_pandas import quiet_gx
from chiso.quality.suites import Expectation
from chiso.util.jsonable import to_jsonable

NO_EXCEPTION = {"raised_exception": False, "exception_message": None, "exception_traceback": None}


@dataclass
class CheckResult:
    """One expectation's result: GX's ``ExpectationValidationResult`` without GX (``gx`` holds GX's own
    result when the pandas fallback produced it)."""

    config: Expectation
    success: bool
    result: dict[str, Any]
    exception_info: dict[str, Any] = field(default_factory=lambda: dict(NO_EXCEPTION))
    gx: Any = None

    def to_json_dict(self) -> dict[str, Any]:
        """``ExpectationValidationResult.to_json_dict()`` of the same result."""
        if self.gx is not None:
            return self.gx.to_json_dict()
        return {"success": bool(self.success), "expectation_config": self.config.to_json_dict(),
                "result": to_jsonable(self.result or {}), "meta": {}, "exception_info": to_jsonable(self.exception_info)}


def statistics(results: list[CheckResult]) -> dict[str, Any]:
    ok = sum(bool(r.success) for r in results)
    return {"evaluated_expectations": len(results), "successful_expectations": ok,
            "unsuccessful_expectations": len(results) - ok,
            "success_percent": 100.0 * ok / len(results) if results else 100.0}


def suite_result_json(results: list[CheckResult], suite_name: str, meta: dict[str, Any]) -> dict[str, Any]:
    """The suite's result as GX's ``ExpectationSuiteValidationResult(...).to_json_dict()`` writes it."""
    return {"success": all(r.success for r in results), "results": [r.to_json_dict() for r in results],
            "suite_name": suite_name, "suite_parameters": {}, "statistics": to_jsonable(statistics(results)),
            "meta": to_jsonable(meta), "id": None}


def results_dir() -> Path:
    """Every validation's GX result as JSON (``<dataset>/<batch_id>.json``): the source of the Data Docs."""
    return settings.dq_dir() / "results"


def store_result(suite_result: dict[str, Any], dataset: str, batch_id: str) -> Path:
    """Write a validation's result (``validate_parquet``'s GX ``to_json_dict()`` form, JSON-ready as
    :func:`suite_result_json` makes it: not walked again) for the Data Docs."""
    if not isinstance(suite_result, dict):  # a GX ExpectationSuiteValidationResult
        suite_result = suite_result.to_json_dict()
    out = results_dir() / dataset / f"{batch_id}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(suite_result), encoding="utf-8")
    return out


def _result_kwargs(doc: dict) -> dict:
    """A stored result (GX ``to_json_dict()`` form) as keyword arguments of ``ExpectationSuiteValidationResult``."""
    quiet_gx()
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    results = []
    for r in doc.get("results", []):
        cfg = r.get("expectation_config") or {}
        extra = {k: cfg[k] for k in ("notes", "description", "severity", "id") if cfg.get(k) is not None}
        results.append(ExpectationValidationResult(
            success=r.get("success"),
            expectation_config=ExpectationConfiguration(type=cfg.get("type"), kwargs=cfg.get("kwargs", {}),
                                                        meta=cfg.get("meta", {}), **extra),
            result=r.get("result"), meta=r.get("meta"), exception_info=r.get("exception_info")))
    return {"success": doc.get("success"), "results": results, "suite_name": doc.get("suite_name"),
            "suite_parameters": doc.get("suite_parameters"), "statistics": doc.get("statistics"),
            "meta": doc.get("meta"), "id": doc.get("id")}


def gx_suite_result(doc: dict):
    """The GX ``ExpectationSuiteValidationResult`` of a stored result (imports Great Expectations)."""
    from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResult

    return ExpectationSuiteValidationResult(**_result_kwargs(doc))


