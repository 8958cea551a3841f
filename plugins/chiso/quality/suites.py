"""The expectation suites (``expectations/<dataset>.json``): reading them, and which expectations are active.

Every expectation carries GX's own ``severity`` (``critical`` blocks the batch, ``warning`` passes and notifies),
its Vietnamese explanation in GX's ``description`` (what alerts and people read) and ``meta.why`` (the
developer's note on why it exists). The schema and domain expectations (the ordered column list, the value sets of
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
    description: str | None = None  # GX's description: the Vietnamese explanation
    severity: str = "critical"  # GX's severity: critical | warning | info

    @property
    def level(self) -> str:
        """chiso's severity: ``error`` (GX critical: blocks the batch) or ``warning`` (passes and notifies)."""
        return LEVEL[self.severity]

    def to_json_dict(self) -> dict[str, Any]:
        """``ExpectationConfiguration.to_json_dict()`` of the same configuration."""
        out = {"type": self.type, "kwargs": to_jsonable(self.kwargs), "meta": to_jsonable(self.meta)}
        if self.description is not None:
            out["description"] = self.description
        out["severity"] = self.severity
        return out


#: GX severity → chiso's: what blocks a batch and what only notifies
LEVEL = {"critical": "error", "warning": "warning", "info": "warning"}


def gx_severity(e: dict[str, Any]) -> str:
    """An expectation's GX severity; a suite written before chiso used GX's field states it in
    ``meta.severity`` (error | warning), read as critical | warning."""
    if e.get("severity"):
        return e["severity"]
    return {"error": "critical", "warning": "warning"}.get((e.get("meta") or {}).get("severity"), "critical")


def configs(spec: dict[str, Any]) -> list[Expectation]:
    return [Expectation(type=e["type"], kwargs=e["kwargs"], meta=e.get("meta") or {},
                        description=e.get("description"), severity=gx_severity(e))
            for e in spec["expectations"]]  # fmt: skip


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
