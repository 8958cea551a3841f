"""What chiso needs of a warehouse, and how to open one.

The loader, the gate's history, freshness and the report talk to the warehouse only through
:class:`Warehouse`: SQL with ``?`` placeholders (each backend binds them its own way), rows inserted by named
columns, a batch's Parquet file bulk-inserted into a raw table, transactions. The raw layer's DDL is derived from
the contracts (:mod:`chiso.warehouse.schema`). Two backends: DuckDB (:mod:`chiso.warehouse.duckdb_backend`, the
default: one file, one writer at a time) and PostgreSQL (:mod:`chiso.warehouse.postgres_backend`: ``COPY`` for
the bulk insert, many writers). ``CHISO_WAREHOUSE`` chooses (``settings.warehouse_dialect()``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol


class Result(Protocol):
    #: DB-API column description (each column's name first); None when the statement returns no rows
    description: Any

    def fetchone(self) -> tuple | None: ...

    def fetchall(self) -> list[tuple]: ...


class Warehouse(ABC):
    """An open connection to the warehouse. Use it as a context manager (closed on exit)."""

    #: the SQL dialect (``duckdb`` | ``postgres``): chooses the raw layer's column types
    dialect: str

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        """Run one statement; ``?`` placeholders take ``params`` in order."""

    @abstractmethod
    def insert_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Insert rows (values in ``columns`` order) into ``table``; returns the number inserted."""

    @abstractmethod
    def insert_parquets(
        self, table: str, files: Sequence[tuple[str | Path, Mapping[str, Any]]], columns: Sequence[str]
    ) -> list[int]:
        """Bulk-insert the ``columns`` of Parquet files into the same-named columns of ``table``, each file with
        its own constants (column → value on every row of that file; the same column names for all files), in
        one statement; returns the number of rows inserted from each file, in order."""

    @abstractmethod
    def columns_of(self, schema: str, table: str) -> list[str]:
        """The columns of an existing table, in order (empty when it does not exist)."""

    def lock(self, key: str) -> None:  # noqa: B027 - optional: DuckDB has one writer at a time anyway
        """Hold ``key`` until the current transaction ends: writers that take the same key wait for each
        other (a PostgreSQL advisory lock; nothing where only one writer can exist)."""

    @abstractmethod
    def begin(self) -> None: ...

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def rollback(self) -> None: ...

    # ---- the landing manifest (what the loader needs to know of it)
    FINISHED_STATUSES = ("loaded", "quarantined", "superseded")

    def finished_batches(self, source_system: str) -> set[str]:
        """Batch ids of the source whose manifest status is final (loaded, quarantined, superseded): every
        other landed receipt is still to be loaded. Empty when the manifest does not exist yet."""
        if not self.columns_of("raw", "landing_manifest"):
            return set()
        rows = self.execute(
            "SELECT batch_id FROM raw.landing_manifest WHERE source_system = ? AND status IN (?, ?, ?)",
            [source_system, *self.FINISHED_STATUSES],
        ).fetchall()
        return {r[0] for r in rows}

    def batch_status(self, batch_id: str) -> str | None:
        """The batch's manifest status, or None when it has no manifest row."""
        return self.batch_statuses([batch_id]).get(batch_id)

    def batch_statuses(self, batch_ids: Sequence[str]) -> dict[str, str]:
        """The manifest status of each batch that has a manifest row, in one query."""
        if not batch_ids:
            return {}
        marks = ", ".join("?" * len(batch_ids))
        return dict(self.execute(
            f"SELECT batch_id, status FROM raw.landing_manifest WHERE batch_id IN ({marks})", list(batch_ids)
        ).fetchall())

    def checkpoint(self) -> None:  # noqa: B027 - optional: most databases need nothing
        """Make what was written durable and compact (a no-op where the database does it by itself)."""

    @abstractmethod
    def close(self) -> None: ...

    @contextmanager
    def transaction(self) -> Iterator[Warehouse]:
        """Everything inside is written together, or not at all."""
        self.begin()
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        self.commit()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(read_only: bool = False, path: Path | None = None, wait_seconds: float | None = None) -> Warehouse:
    """Open the warehouse of ``CHISO_WAREHOUSE``: the PostgreSQL database of its postgresql:// URL, or the
    DuckDB file (``path`` overrides it). A DuckDB writer that finds the file locked by another writer waits up
    to ``wait_seconds`` (default ``CHISO_WAREHOUSE_LOCK_WAIT``); readers open either read-only."""
    from chiso import settings

    if path is None and settings.warehouse_dialect() == "postgres":
        from chiso.warehouse.postgres_backend import PostgresWarehouse

        return PostgresWarehouse.open(read_only=read_only)
    from chiso.warehouse.duckdb_backend import DuckDBWarehouse

    if wait_seconds is None:
        wait_seconds = settings.warehouse_lock_wait()
    return DuckDBWarehouse.open(read_only=read_only, path=path, wait_seconds=wait_seconds)
