"""The load step: validated batches into the raw layer, the rest into quarantine (run in the warehouse pool).

Accounting: for every file, ``rows_read == rows_loaded + rows_rejected``. Rows a parser rejected are kept in
``raw.rejected_row`` with their reason. A file that could not be parsed, had too many rejected rows or failed
an ``error`` expectation is quarantined whole: copied with its error report to ``data/quarantine/``, recorded in
the manifest, nothing of it loaded; the warehouse keeps the last good data and every other file goes on.

Each batch is written in one transaction: its rows, its rejected rows, its manifest row, the batches it
supersedes and its data-quality history. A re-run of the same batch replaces its own rows (idempotent); a
corrected export (same supersede key, :class:`~chiso.ingest.batch.Batch`) supersedes the earlier batch, whose
rows leave the raw layer while both files stay in landing.
"""

from __future__ import annotations

import logging
import shutil
from datetime import UTC, datetime
from pathlib import Path

from chiso import contracts, settings
from chiso.contracts.loader import LANDING_MANIFEST, REJECTED_ROW
from chiso.ingest.batch import Batch
from chiso.ingest.parse import REJECT_COLUMNS
from chiso.util.jsonable import dumps

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def quarantine(wh, b: Batch, now: datetime) -> Batch:
    """Copy the file and its error report to ``data/quarantine/<source>/<batch_id>/``; record it."""
    qdir = settings.quarantine_dir() / b.source_system / b.batch_id
    qdir.mkdir(parents=True, exist_ok=True)
    src = Path(b.landed.landed_path)
    dest = qdir / src.name
    if not dest.exists():
        shutil.copyfile(src, dest)
    report = {"batch_id": b.batch_id, "sha256": b.sha256, "file_name": b.file_name, "format": b.format,
              "dataset": b.dataset, "period_start": b.period_start, "period_end": b.period_end, "status": b.status,
              "error": b.error, "errors": b.row_errors, "rows_read": b.rows_read, "validation": b.validation}
    (qdir / "error_report.json").write_text(dumps(report, indent=1), encoding="utf-8")
    write_manifest_row(wh, b, now, status="quarantined", rows_loaded=0, rows_rejected=b.rows_read or 0)
    log.warning("quarantined %s: %s", b.file_name, b.error)
    return b.but(status="quarantined", rows_loaded=0)


def write_manifest_row(wh, b: Batch, now: datetime, *, status: str, rows_loaded: int, rows_rejected: int) -> None:
    """The batch's row of ``raw.landing_manifest`` (replacing the one an earlier attempt wrote)."""
    rec = b.landed
    row = {
        "batch_id": b.batch_id,
        "file_sha256": b.sha256,
        "source_system": b.source_system,
        "format": b.format,
        "dataset": b.dataset,
        "file_name": b.file_name,
        "landed_path": rec.landed_path,
        "size_bytes": rec.size_bytes,
        "supersede_key": b.supersede_key,
        "period_start": b.period_start,
        "period_end": b.period_end,
        "received_at": datetime.fromisoformat(rec.received_at).replace(tzinfo=None),
        "loaded_at": now,
        "rows_read": b.rows_read or 0,
        "rows_loaded": rows_loaded,
        "rows_rejected": rows_rejected,
        "status": status,
        "superseded_by": None,
        "error": b.error,
    }
    assert list(row) == LANDING_MANIFEST.column_names, "the manifest row follows the contract"
    wh.execute("DELETE FROM raw.landing_manifest WHERE batch_id = ?", [b.batch_id])
    wh.insert_rows("raw.landing_manifest", list(row), [list(row.values())])


def _delete_batch_rows(wh, batch_id: str, *, rejects: bool) -> None:
    for dataset in contracts.DATASETS:
        wh.execute(f"DELETE FROM raw.{dataset} WHERE batch_id = ?", [batch_id])
    if rejects:
        wh.execute("DELETE FROM raw.rejected_row WHERE batch_id = ?", [batch_id])


def load_batch(wh, b: Batch, now: datetime) -> Batch:
    """Write one validated batch's rows, rejected rows and manifest row; supersede the batch it corrects."""
    # a re-run of the same batch replaces its own rows (idempotent). Rows of a batch are only ever written
    # in the transaction that writes its manifest row: a batch without one has nothing to replace.
    # Concurrent writers (PostgreSQL) of batches with the same supersede key wait for each other here.
    wh.lock(f"chiso:supersede:{b.supersede_key}")
    if wh.execute("SELECT count(*) FROM raw.landing_manifest WHERE batch_id = ?", [b.batch_id]).fetchone()[0]:
        _delete_batch_rows(wh, b.batch_id, rejects=True)
    batch_columns = {"batch_id": b.batch_id, "source_file": b.file_name}
    loaded = 0
    for dataset, parquet in b.tables.items():
        cols = ["source_row"] + [c for c, _ in contracts.columns(dataset)]
        inserted = wh.insert_parquet(f"raw.{dataset}", parquet, cols, batch_columns)
        if dataset == b.dataset:
            loaded = inserted
    rejects = Path(b.work_dir) / "rejects.parquet"
    if rejects.exists():  # straight from the parser's rejects (up to 5% of a file: tens of thousands of rows)
        assert REJECTED_ROW.column_names == list(batch_columns) + list(REJECT_COLUMNS)
        wh.insert_parquet("raw.rejected_row", rejects, REJECT_COLUMNS, batch_columns)
    older = wh.execute(
        "SELECT batch_id FROM raw.landing_manifest WHERE supersede_key = ? AND status = 'loaded' AND batch_id <> ?",
        [b.supersede_key, b.batch_id],
    ).fetchall()
    for (old,) in older:
        _delete_batch_rows(wh, old, rejects=False)
        wh.execute("UPDATE raw.landing_manifest SET status = 'superseded', superseded_by = ? WHERE batch_id = ?",
                   [b.batch_id, old])
        log.info("%s supersedes batch %s", b.file_name, old[:12])
    rejected = b.rows_rejected or 0
    if loaded + rejected != b.rows_read:
        raise RuntimeError(f"{b.file_name}: accounting broken: read {b.rows_read}, loaded {loaded}, "
                           f"rejected {rejected}")
    write_manifest_row(wh, b, now, status="loaded", rows_loaded=loaded, rows_rejected=rejected)
    return b.but(status="loaded", rows_loaded=loaded)


def load(batches: list[Batch]) -> list[Batch]:
    """Load validated batches into the raw layer; quarantine the rest. Run in the warehouse_writer pool."""
    from chiso.quality import history
    from chiso.warehouse import backend, schema

    now = _now()
    results = []
    with backend.connect() as wh:
        schema.ensure_raw_schema(wh)
        for b in batches:
            with wh.transaction():
                wh.lock(f"chiso:batch:{b.batch_id}")
                done = load_batch(wh, b, now) if b.status == "validated" else quarantine(wh, b, now)
                history.record_batch(wh, done, now)
            results.append(done)
        wh.checkpoint()
    return results

