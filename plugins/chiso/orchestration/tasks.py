"""What each Airflow task runs: the ingestion steps over batch descriptors as JSON (XCom), and the build.

Tasks pass descriptors (paths, ids, counts: chiso.ingest.batch.Batch as JSON), never data. A task takes a
chunk of descriptors (several small files per task: a task per file costs more than the file) and returns the
chunk after its step.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from chiso import settings
from chiso.ingest.batch import Batch

Chunk = list[dict[str, Any]]  # batch descriptors as JSON
log = logging.getLogger(__name__)


# A validated batch's report (every check of every suite: ~13 KB a file) stays in its work folder, where the gate
# wrote it (Batch.report_path); the descriptor in XCom carries its outcome and where it is. A chunk of a thousand
# small files passed 13 MB through XCom twice (validate → load → publish), serialised and stored by Airflow,
# before.
_WITH_REPORT = ("validated", "validation_failed")


def _batches(chunk: Chunk) -> list[Batch]:
    """The descriptors of a chunk, with the validation reports they refer to read back (the load step writes
    them into the data-quality history)."""
    out = []
    for d in chunk or []:
        b = Batch.from_json(d)
        ref = (b.validation or {}).get("report_file")
        if ref and b.status in _WITH_REPORT:
            try:
                b = b.but(validation=json.loads(Path(ref).read_text(encoding="utf-8")))
            except OSError as exc:
                raise RuntimeError(f"{b.file_name}: its validation report is gone ({ref}): {exc}") from exc
        out.append(b)
    return out


def _json(batches: list[Batch], step: str | None = None) -> Chunk:
    """The descriptors as JSON, each validation report by reference; with ``step``, one log line of what the
    step left (the tasks do not log their return value)."""
    if step:
        from collections import Counter

        states = Counter(b.status for b in batches)
        log.info("%s: %d batch(es): %s", step, len(batches), ", ".join(f"{n} {s}" for s, n in sorted(states.items())))
    return [_by_reference(b).to_json() for b in batches]


def _by_reference(b: Batch) -> Batch:
    if not b.validation or "suites" not in b.validation:
        return b
    brief = {"success": b.validation.get("success"), "summary": b.validation.get("summary")}
    if b.status in _WITH_REPORT:  # the load step reads it back (an error if it is gone)
        brief["report_file"] = str(b.report_path)
    return b.but(validation=brief)


def chunk(items: list, weights: list[int] | None = None, size: int | None = None,
          weight: int | None = None) -> list[list]:
    """Group items in order so that a task handles many small files: at most ``size`` items
    (``CHISO_FILES_PER_TASK``) and ``weight`` bytes (``CHISO_MB_PER_TASK``) a chunk; an item heavier than that
    alone. The number of tasks follows the bytes to read, not the number of files."""
    size = size or settings.files_per_task()
    weight = weight or settings.bytes_per_task()
    weights = weights if weights is not None else [0] * len(items)
    out: list[list] = []
    load = 0
    for item, w in zip(items, weights, strict=True):
        if not out or len(out[-1]) >= size or (out[-1] and load + w > weight):
            out.append([])
            load = 0
        out[-1].append(item)
        load += w
    return out


def land_new_files(source_system: str) -> list[Chunk]:
    """Land the source's new export files, then take every receipt not yet loaded or quarantined (new ones and
    those an interrupted run left); one descriptor per batch, in chunks."""
    from chiso.ingest import load as step

    batches = step.to_load(source_system)
    return chunk(_json(batches, "land"), [b.landed.size_bytes or 0 for b in batches])


def parse(c: Chunk) -> Chunk:
    from chiso.ingest import parse as step

    return _json(step.parse(_batches(c)), "parse")


def validate(c: Chunk) -> Chunk:
    from chiso.quality import gate

    return _json(gate.validate(_batches(c)), "validate")


def load(c: Chunk) -> Chunk:
    from chiso.ingest import load as step

    return _json(step.load(_batches(c)), "load")


def summarise(results: list[Chunk], source_system: str) -> dict[str, Any]:
    """What an ingestion run did: files loaded and quarantined, rows, periods."""
    from chiso.ingest.batch import summarise as summary

    out = summary(_batches([d for c in (results or []) for d in (c or [])]))
    out["source_system"] = source_system
    return out


def check_freshness() -> list[dict[str, Any]]:
    from chiso.quality import freshness

    return freshness.check()


def warning_digest() -> dict[str, Any]:
    """The data-quality warnings waiting in the outbox, in one message; the warehouse records where each went."""
    from chiso.quality import alerts, history
    from chiso.warehouse import backend, schema

    digest, carried = alerts.send_warning_digest()
    if digest is None:
        return {"warnings": 0}
    with backend.connect() as wh:
        schema.ensure_raw_schema(wh)
        with wh.transaction():
            history.write_alert(wh, digest, None)
            for record in carried:
                history.write_alert(wh, record, record.get("batch_id"))
    delivered = bool(digest["deliveries"]) and all(d["ok"] for d in digest["deliveries"])
    return {"digest": digest["alert_id"], "warnings": len(carried), "delivered": delivered}


def build_warehouse() -> dict[str, Any]:
    from chiso.warehouse import dbt

    return dbt.build()


def full_data_tests() -> dict[str, Any]:
    from chiso.warehouse import dbt

    return dbt.full_test()


def progress_report() -> str:
    from chiso.people import report

    return report.render_text()


def html_report() -> str:
    """The static Vietnamese report (pages and XLSX) in CHISO_REPORT_DIR; read-only on the warehouse."""
    from chiso.people import html_report as pages

    return str(pages.write(settings.report_dir()))


def unit_notices() -> dict[str, Any]:
    """Notices to units whose status changed since the last build, through the alert channels."""
    from chiso.people import notices
    from chiso.quality import alerts

    return notices.run(send_mail=alerts.send_mail, post_chat=alerts.post_chat)
