"""The load step: validated batches into the raw layer, the rest into quarantine (run in the warehouse pool).

Accounting: for every file, ``rows_read == rows_loaded + rows_rejected``. Rows a parser rejected are kept in
``raw.rejected_row`` with their reason. A file that could not be parsed, had too many rejected rows or failed
an ``error`` expectation is quarantined whole: copied with its error report to ``data/quarantine/``, recorded in
the manifest, nothing of it loaded; the warehouse keeps the last good data and every other file goes on.

A batch's rows, rejected rows, manifest row, the batches it supersedes and its data-quality history are written
in one transaction, which holds the whole chunk a task takes (one commit for many small files) unless one of
its batches fails; then each batch of the chunk gets a transaction of its own. A re-run of the same batch replaces its own rows (idempotent); a
corrected export (same supersede key, :class:`~chiso.ingest.batch.Batch`) supersedes the earlier batch, whose
rows leave the raw layer while both files stay in landing.

Exactly once: a batch whose manifest row is already final (loaded, quarantined, superseded: another run, or an
earlier attempt of this one, finished it) is left as it is. The order of corrections follows their receipt, not
the order batches happen to reach the loader: a batch that arrives after a newer one of the same coverage was
loaded is recorded as superseded by it. A batch whose load fails is rolled back, the others go on, and the
step then raises (the task, and the run, fail; the next run loads it again). Work files of a finished batch are
removed once its transaction is committed.
"""

from __future__ import annotations

import logging
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from chiso import contracts, settings
from chiso.contracts.loader import LANDING_MANIFEST, REJECTED_ROW
from chiso.ingest.batch import Batch
from chiso.ingest.parse import REJECT_COLUMNS
from chiso.quality import history
from chiso.util.files import write_whole
from chiso.util.jsonable import dumps

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def quarantine(wh, b: Batch, now: datetime) -> Batch:
    """Copy the file and its error report to ``data/quarantine/<source>/<batch_id>/``; record it."""
    qdir = settings.quarantine_dir() / b.source_system / b.batch_id
    qdir.mkdir(parents=True, exist_ok=True)
    for d in (settings.quarantine_dir(), qdir.parent, qdir):  # raw exports carry names and ID numbers
        os.chmod(d, 0o700)
    if b.landed.landed_path:  # a refused entry (a symlink …) was never landed: only its report is kept
        src = Path(b.landed.landed_path)
        dest = qdir / src.name
        if not dest.exists():
            write_whole(dest, lambda tmp: shutil.copyfile(src, tmp), 0o600, temporary=dest.name + ".part")
    report = {
        "batch_id": b.batch_id,
        "sha256": b.sha256,
        "file_name": b.file_name,
        "format": b.format,
        "dataset": b.dataset,
        "period_start": b.period_start,
        "period_end": b.period_end,
        "status": b.status,
        "error": b.error,
        "errors": b.row_errors,
        "rows_read": b.rows_read,
        "validation": b.validation,
    }
    report_path = qdir / "error_report.json"
    report_path.write_text(dumps(report, indent=1), encoding="utf-8")
    os.chmod(report_path, 0o600)
    write_manifest_rows(wh, [manifest_row(b, now, status="quarantined", rows_loaded=0, rows_rejected=b.rows_read or 0)])
    log.warning("quarantined %s: %s", b.file_name, b.error)
    return b.but(status="quarantined", rows_loaded=0)


def manifest_row(b: Batch, now: datetime, *, status: str, rows_loaded: int, rows_rejected: int,
                 superseded_by: str | None = None) -> dict:
    """The batch's row of ``raw.landing_manifest``, in the contract's column order."""
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
        "received_at": _received_at(b),
        "loaded_at": now,
        "rows_read": b.rows_read or 0,
        "rows_loaded": rows_loaded,
        "rows_rejected": rows_rejected,
        "status": status,
        "superseded_by": superseded_by,
        "error": b.error,
    }
    assert list(row) == LANDING_MANIFEST.column_names, "the manifest row follows the contract"
    return row


def write_manifest_rows(wh, rows: list[dict]) -> None:
    """Batches' rows of ``raw.landing_manifest`` (replacing those an earlier attempt wrote): one delete and one
    insert for a whole chunk."""
    if not rows:
        return
    ids = [r["batch_id"] for r in rows]
    wh.execute(f"DELETE FROM raw.landing_manifest WHERE batch_id IN ({', '.join('?' * len(ids))})", ids)
    wh.insert_rows("raw.landing_manifest", LANDING_MANIFEST.column_names, [list(r.values()) for r in rows])


def _received_at(b: Batch) -> datetime:
    return datetime.fromisoformat(b.landed.received_at).astimezone(UTC).replace(tzinfo=None)


def _delete_rows(wh, batch_ids: list[str], *, rejects: bool) -> None:
    """The batches' rows in the raw layer (and their rejected rows, with ``rejects``): one statement a table."""
    if not batch_ids:
        return
    marks = ", ".join("?" * len(batch_ids))
    for table in [*contracts.DATASETS, *(["rejected_row"] if rejects else [])]:
        wh.execute(f"DELETE FROM raw.{table} WHERE batch_id IN ({marks})", batch_ids)


def _write_rows(wh, batches: list[Batch]) -> dict[str, int]:
    """The batches' tables and rejected rows into the raw layer, one insert per table for all of them; returns
    each batch's rows loaded into its main dataset."""
    tables: dict[str, list[tuple[str, dict[str, str], str]]] = {}
    rejects: list[tuple[Path, dict[str, str]]] = []
    for b in batches:
        batch_columns = {"batch_id": b.batch_id, "source_file": b.file_name}
        for dataset, parquet in b.tables.items():
            tables.setdefault(dataset, []).append((parquet, batch_columns, b.batch_id))
        path = Path(b.work_dir) / "rejects.parquet"
        if path.exists():  # straight from the parser's rejects (up to 5% of a file: tens of thousands of rows)
            rejects.append((path, batch_columns))
    loaded = {b.batch_id: 0 for b in batches}
    main = {b.batch_id: b.dataset for b in batches}
    for dataset, files in tables.items():
        cols = ["source_row"] + [c for c, _ in contracts.columns(dataset)]
        counts = wh.insert_parquets(f"raw.{dataset}", [(p, c) for p, c, _ in files], cols)
        for (_, _, batch_id), n in zip(files, counts, strict=True):
            if main[batch_id] == dataset:
                loaded[batch_id] = n
    if rejects:
        assert REJECTED_ROW.column_names == ["batch_id", "source_file", *REJECT_COLUMNS]
        wh.insert_parquets("raw.rejected_row", rejects, REJECT_COLUMNS)
    return loaded


class _Ledger:
    """The loaded batches of the chunk's coverages (supersede keys) as the manifest holds them, read once, and
    what settling the chunk's batches changes: kept in memory while the batches settle one after another, in
    the chunk's order, then written with one statement per table (a chunk of a thousand small files: a few
    statements, not four thousand). The coverages are locked before it is read (``_load_in_transaction``)."""

    def __init__(self, wh, keys: list[str | None]) -> None:
        self.live: dict[str | None, dict[str, tuple[datetime, int]]] = {k: {} for k in keys}
        wanted = sorted({k for k in keys if k is not None})
        if wanted:
            for batch_id, key, received, rows in wh.execute(
                "SELECT batch_id, supersede_key, received_at, rows_loaded FROM raw.landing_manifest "
                f"WHERE status = 'loaded' AND supersede_key IN ({', '.join('?' * len(wanted))})", wanted
            ).fetchall():
                self.live[key][batch_id] = (received, rows)
        self.rows: dict[str, dict] = {}  # the chunk's manifest rows
        self.superseded: dict[str, str] = {}  # an earlier load's batch -> the chunk's batch that supersedes it
        self.gone: list[str] = []  # batches whose rows leave the raw layer

    def supersede(self, old: str, new: str, key: str | None) -> None:
        """An earlier loaded batch of the coverage gives way to ``new``: its rows leave the raw layer."""
        del self.live[key][old]
        self.gone.append(old)
        if old in self.rows:  # loaded earlier in this chunk
            self.rows[old].update(status="superseded", superseded_by=new)
        else:
            self.superseded[old] = new

    def settle(self, row: dict, received: datetime) -> None:
        """A batch of the chunk settled: its manifest row; a loaded one becomes its coverage's live batch, a
        superseded one's rows leave the raw layer."""
        self.rows[row["batch_id"]] = row
        if row["status"] == "loaded":
            self.live[row["supersede_key"]][row["batch_id"]] = (received, row["rows_loaded"])
        else:
            self.gone.append(row["batch_id"])

    def write(self, wh) -> None:
        _delete_rows(wh, self.gone, rejects=False)  # their rejected rows stay: the file's history
        for old, new in self.superseded.items():
            wh.execute("UPDATE raw.landing_manifest SET status = 'superseded', superseded_by = ? WHERE batch_id = ?",
                       [new, old])
        write_manifest_rows(wh, list(self.rows.values()))


def _settle(ledger: _Ledger, b: Batch, loaded: int, now: datetime) -> Batch:
    """A batch whose rows are written: superseded by a newer receipt of its coverage, or loaded (superseding the
    older ones); its manifest row (in ``ledger``, written once the chunk has settled)."""
    received = _received_at(b)
    key = b.supersede_key
    same = {i: v for i, v in ledger.live[key].items() if i != b.batch_id}
    newer = sorted(((r, i) for i, (r, _) in same.items() if (r, i) > (received, b.batch_id)), reverse=True)
    rejected = b.rows_rejected or 0
    if newer:  # a later receipt of the same coverage is already loaded: this one is history, not the data
        ledger.settle(manifest_row(b, now, status="superseded", rows_loaded=loaded, rows_rejected=rejected,
                                   superseded_by=newer[0][1]), received)
        log.info("%s arrived after a newer export of its coverage: recorded as superseded", b.file_name)
        return b.but(status="loaded", rows_loaded=loaded)
    old_rows = sum(n for _, n in same.values())
    share = settings.max_correction_loss()
    if old_rows and loaded < old_rows * (1 - share):
        raise CorrectionHeld(
            f"{b.file_name}: expected a correction keeping at least {1 - share:.0%} of the {old_rows} rows "
            f"loaded for its period and coverage, found {loaded} rows: held for confirmation, not applied "
            f"(a partial export would remove {old_rows - loaded} rows; CHISO_MAX_CORRECTION_LOSS = {share:.0%}); "
            "the loaded data stays")
    for old in same:
        ledger.supersede(old, b.batch_id, key)
        log.info("%s supersedes batch %s", b.file_name, old[:12])
    if loaded + rejected != b.rows_read:
        raise RuntimeError(
            f"{b.file_name}: accounting broken: read {b.rows_read}, loaded {loaded}, rejected {rejected}"
        )
    ledger.settle(manifest_row(b, now, status="loaded", rows_loaded=loaded, rows_rejected=rejected), received)
    return b.but(status="loaded", rows_loaded=loaded)


def load(batches: list[Batch]) -> list[Batch]:
    """Load validated batches into the raw layer; quarantine the rest. Run in the warehouse_writer pool.

    The chunk is first written in one transaction (one commit and one history insert for many small files);
    if any batch of it fails, that transaction is rolled back and each batch is loaded in its own, as if alone:
    the others go on, a correction held back is quarantined, a failing one is reported."""
    from chiso.warehouse import backend, schema

    now = _now()
    failed: list[str] = []
    with backend.connect() as wh:
        schema.ensure_raw_schema(wh)
        results = _load_together(wh, batches, now) if len(batches) > 1 else None
        if results is None:
            results = []
            for b in batches:
                try:
                    done = _load_alone(wh, b, now)
                except Exception as exc:
                    log.error("%s: load failed, rolled back (%s: %s); the next run loads it again",
                              b.file_name, type(exc).__name__, exc)
                    failed.append(f"{b.file_name}: {describe_failure(exc)}")
                    continue
                remove_work_files(b)
                results.append(done)
        wh.checkpoint()
    if failed:
        raise LoadFailed(f"{len(failed)} of {len(batches)} batch(es) not loaded: " + "; ".join(failed))
    return results


def _load_in_transaction(wh, batches: list[Batch], now: datetime) -> list[Batch]:
    """Load or quarantine batches inside the caller's transaction: their rows with one insert per raw table,
    their manifest rows, the batches they supersede and their history. A batch whose manifest row is already
    final (another run or an earlier attempt finished it) is left as it is.

    The locks are taken first, in one order (every batch's, then every coverage's, sorted: what a single batch
    takes too), so that loads running at once on PostgreSQL wait for each other, never in a cycle."""
    for key in sorted({f"chiso:batch:{b.batch_id}" for b in batches}) + sorted(
            {f"chiso:supersede:{b.supersede_key}" for b in batches if b.status == "validated"}):
        wh.lock(key)  # Postgres: one loader per batch and per coverage; DuckDB: no-op
    statuses = wh.batch_statuses([b.batch_id for b in batches])
    done: list[tuple[Batch, bool] | None] = []  # (the batch after it, whether this load finished it)
    to_load = []
    for b in batches:
        status = statuses.get(b.batch_id)
        if status in wh.FINISHED_STATUSES:
            log.info("%s: already %s, left as it is", b.file_name, status)
            done.append((b.but(status="loaded" if status != "quarantined" else "quarantined"), False))
        elif b.status == "validated":
            if status is not None:  # a re-run of the same batch replaces its own rows (idempotent)
                _delete_rows(wh, [b.batch_id], rejects=True)
            to_load.append(b)
            done.append(None)
        else:
            done.append((quarantine(wh, b, now), True))
    loaded = _write_rows(wh, to_load)
    ledger = _Ledger(wh, [b.supersede_key for b in to_load])
    settled = iter(to_load)  # in the chunk's order: corrections follow their receipt as when alone
    done = [d if d is not None else (_settle(ledger, (b := next(settled)), loaded[b.batch_id], now), True)
            for d in done]
    ledger.write(wh)
    history.record_batches(wh, [d for d, finished in done if finished], now)
    return [d for d, _ in done]


def _load_alone(wh, b: Batch, now: datetime) -> Batch:
    """One batch in its own transaction (a held correction is quarantined in another)."""
    try:
        with wh.transaction():
            [done] = _load_in_transaction(wh, [b], now)
    except CorrectionHeld as held:
        log.error("%s", held)
        done = _hold(wh, b, str(held), now)
    return done


def _load_together(wh, batches: list[Batch], now: datetime) -> list[Batch] | None:
    """Every batch of the chunk in one transaction; None (rolled back, nothing written) when one of them fails."""
    try:
        with wh.transaction():
            done = _load_in_transaction(wh, batches, now)
    except Exception as exc:  # noqa: BLE001 - whatever it was, each batch is tried again on its own
        log.info("the %d batches could not be loaded together (%s: %s): each on its own",
                 len(batches), type(exc).__name__, exc)
        return None
    for b in batches:
        remove_work_files(b)
    return done


class CorrectionHeld(Exception):
    """A correction that would remove too large a share of its period's rows: quarantined, alerted."""


def _hold(wh, b: Batch, reason: str, now: datetime) -> Batch:
    from chiso.quality import alerts

    held = b.but(status="validation_failed", error=reason,
                 row_errors=[{"row": None, "column": None, "expected": "a complete correction",
                              "found": "a partial export", "message": reason}])
    alert = alerts.dispatch(alerts.build_parse_alert(held))
    held = held.but(alert_id=alert["alert_id"])
    with wh.transaction():
        done = quarantine(wh, held, now)
        history.record_batch(wh, done, now)
    return done


class LoadFailed(RuntimeError):
    """Some batches of a load step were rolled back: the step (the Airflow task) fails."""


def describe_failure(exc: BaseException) -> str:
    """What went wrong in a load, in words: out of memory is out of memory, a full disk a full disk."""
    text = f"{type(exc).__name__}: {exc}"
    low = text.lower()
    if (
        isinstance(exc, MemoryError)
        or "out of memory" in low
        or "outofmemory" in low
        or "memory_limit" in low
    ):
        return f"out of memory while loading (raise CHISO_DUCKDB_MEMORY_LIMIT or free memory): {exc}"
    if "no space left" in low:
        return f"disk full while loading: {exc}"
    return text


def remove_work_files(b: Batch) -> None:
    """The parsed Parquet of a finished batch: no longer needed (landing keeps the file)."""
    if b.work_dir and Path(b.work_dir).is_dir() and Path(b.work_dir).parent == settings.work_dir():
        shutil.rmtree(b.work_dir, ignore_errors=True)


def finished_batches(source_system: str) -> set[str]:
    """Batch ids of the source the manifest records as finished (none when there is no warehouse yet)."""
    from chiso.warehouse import backend

    try:
        with backend.connect(read_only=True) as wh:
            return wh.finished_batches(source_system)
    except FileNotFoundError:
        return set()


def to_load(source_system: str) -> list[Batch]:
    """What an ingestion run must take: every landed receipt of the source not yet finished (new, or left by a
    run that stopped between landing and loading), oldest first, and every refused entry of ``incoming/``
    (a symlink, a FIFO …) not yet quarantined, as a batch that failed to parse (quarantined by the load)."""
    from chiso.ingest import landing

    new = landing.land_new(source_system)
    finished = finished_batches(source_system)
    out = [Batch(landed=rec) for rec in landing.pending(source_system, finished)]
    for r in landing.refused(source_system):
        rec = r.as_landed()
        if rec.batch_id not in finished:
            out.append(
                Batch(
                    landed=rec,
                    status="parse_failed",
                    error=r.error,
                    row_errors=[
                        {
                            "row": None,
                            "column": None,
                            "expected": "a regular file",
                            "found": r.kind,
                            "message": r.error,
                        }
                    ],
                )
            )
    log.info(
        "%s: %d batch(es) to load (%d newly landed, %d left by earlier runs)",
        source_system,
        len(out),
        len(new),
        len(out) - len(new),
    )
    return out
