"""The expectation suites (``expectations/<dataset>.json``): reading them, and which expectations are active.

Every expectation carries ``meta.severity`` (``error`` blocks the batch, ``warning`` passes and notifies) and
``meta.why`` (why it exists). The schema and domain expectations (the ordered column list, the value sets of
columns with a vocabulary) are derived from the contracts (chiso.contracts.derived; tests check every suite).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from chiso import settings
from chiso.util.jsonable import to_jsonable

SAMPLE_SIZE = 5  # offending values a result keeps per expectation (never of a personal column)


def load_suite_json(dataset: str) -> dict[str, Any]:
    path = settings.expectations_dir() / f"{dataset}.json"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no expectation suite for dataset {dataset!r}")
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Expectation:
    """One expectation of a suite as its JSON states it: GX's ``ExpectationConfiguration`` without GX."""

    type: str
    kwargs: dict[str, Any]
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, Any]:
        """``ExpectationConfiguration.to_json_dict()`` of the same configuration (default severity)."""
        return {"type": self.type, "kwargs": to_jsonable(self.kwargs), "meta": to_jsonable(self.meta),
                "severity": "critical"}


def configs(spec: dict[str, Any]) -> list[Expectation]:
    return [Expectation(type=e["type"], kwargs=e["kwargs"], meta=e.get("meta") or {}) for e in spec["expectations"]]


def is_active(cfg: Expectation) -> bool:
    """Expectations that hold only under a vendor convention run when that convention is configured.

    ``meta.convention`` = ``"<setting>=<value>"``: runs when the setting ``CHISO_<SETTING>`` (default in
    ``meta.convention_default``; chiso.settings.convention) equals value. Example: Biểu 06's received = resolved + pending holds only
    when the vendor counts paused/returned dossiers inside the pending columns.
    """
    conv = (cfg.meta or {}).get("convention")
    if not conv:
        return True
    setting, _, value = conv.partition("=")
    current = settings.convention(setting, (cfg.meta or {}).get("convention_default", ""))
    return current == value
