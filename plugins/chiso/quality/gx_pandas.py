"""Great Expectations' own pandas engine: the reference the compiled engine is tested against
(``CHISO_GX_ENGINE=gx``), and the fallback for expectation types the compiler does not know.

Importing Great Expectations costs ~6 s a process: only this module and the Data Docs renderer import it,
and only when they are used.
"""

from __future__ import annotations

import json
import logging
import os
from functools import lru_cache
from typing import Any

from chiso.quality.suites import SAMPLE_SIZE, gx_severity, load_suite_json

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def quiet_gx() -> None:
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


@lru_cache(maxsize=1)
def _context():
    quiet_gx()
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    return ctx


def gx_configs(spec: dict[str, Any]):
    quiet_gx()
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    return [ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"], meta=e.get("meta", {}),
                                     description=e.get("description"), severity=gx_severity(e))
            for e in spec["expectations"]]


def gx_suite(dataset: str, spec: dict[str, Any] | None = None, only: list[int] | None = None):
    import great_expectations as gx

    spec = spec or load_suite_json(dataset)
    suite = gx.ExpectationSuite(name=spec.get("name", dataset), meta=spec.get("meta", {}))
    for i, cfg in enumerate(gx_configs(spec)):
        if only is None or i in only:
            suite.add_expectation_configuration(cfg)
    return suite


def same_config(ours, theirs) -> bool:
    """GX hands back normalised kwargs (0 → 0.0, defaults dropped): compare what both state."""
    if ours.type != theirs.type:
        return False
    got = theirs.kwargs
    for k, v in ours.kwargs.items():
        if k == "batch_id" or k not in got:
            continue
        w = got[k]
        if isinstance(v, (int, float)) and isinstance(w, (int, float)) and not isinstance(v, bool):
            if float(v) != float(w):
                return False
        elif json.dumps(v, default=str) != json.dumps(w, default=str):
            return False
    return True


def evaluate(dataset: str, frame, spec: dict[str, Any], only: list[int] | None = None) -> list:
    """GX's results (``ExpectationValidationResult``) of the suite's expectations (those of index ``only``) on a
    pandas DataFrame, in GX's order."""
    ctx = _context()
    suite = gx_suite(dataset, spec, only)
    try:
        source = ctx.data_sources.get(dataset)
    except (KeyError, ValueError):
        source = ctx.data_sources.add_pandas(dataset)
    try:
        asset = source.get_asset("batch")
    except (LookupError, ValueError):
        asset = source.add_dataframe_asset("batch")
    try:
        definition = asset.get_batch_definition("whole")
    except (KeyError, ValueError):
        definition = asset.add_batch_definition_whole_dataframe("whole")
    batch = definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(suite, result_format={"result_format": "SUMMARY",
                                                  "partial_unexpected_count": SAMPLE_SIZE})
    return list(result.results)


