"""The batch descriptor: what the ingestion tasks pass each other about one received file.

A batch is one receipt of one file (:class:`~chiso.ingest.landing.LandedFile`). It moves forward through
``landed → parsed | parse_failed → validated | validation_failed → loaded | quarantined``; each step fills its
fields and returns a new descriptor. Tasks pass descriptors, never data: the parsed tables are Parquet files
under ``data/work/<batch_id>/``. Between Airflow tasks a descriptor travels as JSON (XCom):
:meth:`Batch.to_json` / :meth:`Batch.from_json`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from chiso.ingest.landing import LandedFile
from chiso.util.jsonable import to_jsonable

STATUSES = ("landed", "parsed", "parse_failed", "validated", "validation_failed", "loaded", "quarantined")


@dataclass(frozen=True)
class Batch:
    landed: LandedFile
    status: str = "landed"
    error: str | None = None  # why the file is quarantined (file, row, column, expected, found)
    # ---- set by the parse step
    format: str | None = None  # the export format recognised (docs/FORMATS.md)
    dataset: str | None = None  # the dataset the file's rows count against (its main table)
    period_start: date | None = None
    period_end: date | None = None
    rows_read: int = 0  # data rows in the file = rows_accepted + rows_rejected
    rows_accepted: int = 0
    rows_rejected: int = 0
    row_errors: list[dict[str, Any]] = field(default_factory=list)  # the first rejected rows (RowError fields)
    work_dir: str | None = None  # where the parsed tables are
    tables: dict[str, str] = field(default_factory=dict)  # dataset -> Parquet file
    # What the export covers: "format|scope|period start|period end" (scope: the agencies, the reporting unit
    # or the 766 root unit and group). A later batch loaded with the same key supersedes this one (a corrected
    # export replaces the earlier one for its coverage; both stay in landing).
    supersede_key: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)  # what the parser saw: reporting unit, printed totals …
    # ---- set by the gate
    validation: dict[str, Any] | None = None  # the gate's report (chiso.quality.gate.validate_batch)
    alert_id: str | None = None  # the alert sent about this batch, if any
    # ---- set by the load step
    rows_loaded: int | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown batch status {self.status!r}; expected one of {STATUSES}")

    # ---- from the receipt
    @property
    def batch_id(self) -> str:
        return self.landed.batch_id

    @property
    def sha256(self) -> str:
        return self.landed.sha256

    @property
    def source_system(self) -> str:
        return self.landed.source_system

    @property
    def file_name(self) -> str:
        """The file's name relative to its source's incoming folder (e.g. ``04/hoso_04_2023-01.csv``)."""
        return self.landed.relative_name

    @property
    def report_path(self) -> Path | None:
        """Where the gate writes the batch's validation report (``validation``): its work folder."""
        return Path(self.work_dir, "validation.json") if self.work_dir else None

    def but(self, **changes: Any) -> Batch:
        """A copy with some fields changed."""
        return replace(self, **changes)

    # ---- JSON (XCom)
    def to_json(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["landed"] = self.landed.to_dict()
        return to_jsonable(out)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Batch:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"not fields of a batch descriptor: {sorted(unknown)}")
        values = dict(data)
        values["landed"] = LandedFile.from_dict(data["landed"])
        for name in ("period_start", "period_end"):
            if isinstance(values.get(name), str):
                values[name] = date.fromisoformat(values[name])
        return cls(**values)


def summarise(batches: list[Batch]) -> dict[str, Any]:
    """What a run did with its batches: files loaded and quarantined, rows read, loaded and rejected (every row
    of a quarantined file counts as rejected), the periods received."""
    out: dict[str, Any] = {"files": len(batches), "loaded": 0, "quarantined": 0, "rows_read": 0,
                           "rows_loaded": 0, "rows_rejected": 0, "periods": []}
    periods = set()
    for b in batches:
        loaded = b.status == "loaded"
        out["loaded" if loaded else "quarantined"] += 1
        out["rows_read"] += b.rows_read or 0
        out["rows_loaded"] += b.rows_loaded or 0
        out["rows_rejected"] += (b.rows_rejected or 0) if loaded else (b.rows_read or 0)
        if b.period_start:
            periods.add(b.period_start.isoformat())
    out["periods"] = sorted(periods)
    return out
