"""What each Airflow task runs: the ingestion steps over batch descriptors as JSON (XCom), and the build.

Tasks pass descriptors (paths, ids, counts: chiso.ingest.batch.Batch as JSON), never data. A task takes a
chunk of descriptors (several small files per task: a task per file costs more than the file) and returns the
chunk after its step.
"""

from __future__ import annotations

from typing import Any

from chiso import settings
from chiso.ingest.batch import Batch

Chunk = list[dict[str, Any]]  # batch descriptors as JSON


def _batches(chunk: Chunk) -> list[Batch]:
    return [Batch.from_json(d) for d in chunk or []]


def _json(batches: list[Batch]) -> Chunk:
    return [b.to_json() for b in batches]


def chunk(items: list, size: int | None = None) -> list[list]:
    """Group items so that a task handles several small files (``CHISO_FILES_PER_TASK``)."""
    size = size or settings.files_per_task()
    return [items[i : i + size] for i in range(0, len(items), size)]


def land_new_files(source_system: str) -> list[Chunk]:
    """Land the source's new export files, then take every receipt not yet loaded or quarantined (new ones and
    those an interrupted run left); one descriptor per batch, in chunks."""
    from chiso.ingest import load as step

    return chunk(_json(step.to_load(source_system)))


def parse(c: Chunk) -> Chunk:
    from chiso.ingest import parse as step

    return _json(step.parse(_batches(c)))


def validate(c: Chunk) -> Chunk:
    from chiso.quality import gate

    return _json(gate.validate(_batches(c)))


def load(c: Chunk) -> Chunk:
    from chiso.ingest import load as step

    return _json(step.load(_batches(c)))


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
