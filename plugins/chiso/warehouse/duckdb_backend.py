"""The warehouse connection and the raw layer's DDL.

DuckDB takes one writer at a time. Every write goes through ``connect(read_only=False)`` from a task in the
Airflow pool ``warehouse_writer`` (one slot), so writers queue instead of failing; readers open read-only.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb

from chiso import contracts as schemas
from chiso import settings

MANIFEST_COLUMNS: list[tuple[str, str]] = [
    ("batch_id", "VARCHAR"),  # = file_sha256
    ("file_sha256", "VARCHAR"),
    ("source_system", "VARCHAR"),
    ("format", "VARCHAR"),
    ("dataset", "VARCHAR"),
    ("file_name", "VARCHAR"),
    ("landed_path", "VARCHAR"),
    ("size_bytes", "BIGINT"),
    ("slot", "VARCHAR"),  # what a corrected export replaces: format | scope | period
    ("period_start", "DATE"),
    ("period_end", "DATE"),
    ("received_at", "TIMESTAMP"),
    ("loaded_at", "TIMESTAMP"),
    ("rows_read", "BIGINT"),
    ("rows_loaded", "BIGINT"),
    ("rows_rejected", "BIGINT"),
    ("status", "VARCHAR"),  # loaded | quarantined | superseded
    ("superseded_by", "VARCHAR"),
    ("error", "VARCHAR"),
]

REJECT_COLUMNS: list[tuple[str, str]] = [
    ("batch_id", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("source_row", "INTEGER"),
    ("column_name", "VARCHAR"),
    ("expected", "VARCHAR"),
    ("found", "VARCHAR"),
    ("message", "VARCHAR"),
]


DQ_RUN_COLUMNS: list[tuple[str, str]] = [
    ("run_id", "VARCHAR"),  # batch_id + dataset + validated_at
    ("batch_id", "VARCHAR"),
    ("source_system", "VARCHAR"),
    ("dataset", "VARCHAR"),
    ("suite", "VARCHAR"),
    ("file_name", "VARCHAR"),
    ("period_start", "DATE"),
    ("period_end", "DATE"),
    ("validated_at", "TIMESTAMP"),
    ("success", "BOOLEAN"),
    ("evaluated", "INTEGER"),
    ("failed_errors", "INTEGER"),
    ("failed_warnings", "INTEGER"),
    ("action", "VARCHAR"),  # loaded | quarantined
    ("data_docs", "VARCHAR"),
]

DQ_RESULT_COLUMNS: list[tuple[str, str]] = [
    ("run_id", "VARCHAR"),
    ("batch_id", "VARCHAR"),
    ("dataset", "VARCHAR"),
    ("expectation", "VARCHAR"),
    ("column_name", "VARCHAR"),
    ("kwargs", "VARCHAR"),  # JSON
    ("severity", "VARCHAR"),
    ("success", "BOOLEAN"),
    ("observed", "VARCHAR"),
    ("unexpected_count", "BIGINT"),
    ("unexpected_percent", "DOUBLE"),
    ("sample", "VARCHAR"),  # JSON list, never personal data
    ("why", "VARCHAR"),
]

DQ_ALERT_COLUMNS: list[tuple[str, str]] = [
    ("alert_id", "VARCHAR"),
    ("batch_id", "VARCHAR"),
    ("severity", "VARCHAR"),
    ("source_system", "VARCHAR"),
    ("file_name", "VARCHAR"),
    ("channel", "VARCHAR"),  # smtp | webhook | none
    ("target", "VARCHAR"),
    ("delivered", "BOOLEAN"),
    ("detail", "VARCHAR"),
    ("message", "VARCHAR"),
]


def _ddl(table: str, cols: list[tuple[str, str]]) -> str:
    body = ",\n  ".join(f'"{name}" {typ}' for name, typ in cols)
    return f"CREATE TABLE IF NOT EXISTS {table} (\n  {body}\n)"


def duckdb_config() -> dict[str, str]:
    """DuckDB settings of every warehouse connection (dbt's profile sets the same): a memory ceiling, so that a
    national-scale load or build spills to disk instead of growing without bound."""
    return {"memory_limit": os.environ.get("CHISO_DUCKDB_MEMORY_LIMIT", "3GB")}


def connect(read_only: bool = False, path: Path | None = None, wait_seconds: float = 600.0):
    """Open the warehouse. A writer that finds the file locked waits (another writer is busy)."""
    path = Path(path or settings.warehouse_path())
    if read_only and not path.exists():
        raise FileNotFoundError(f"{path}: no warehouse yet — run `make run` first")
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            for key, value in duckdb_config().items():
                con.execute(f"SET {key} = '{value}'")
            return con
        except duckdb.IOException as exc:  # lock held by another process
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def ensure_raw_schema(con) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for dataset in schemas.DATASETS:
        con.execute(_ddl(f"raw.{dataset}", schemas.table_columns(dataset)))
    con.execute(_ddl("raw.landing_manifest", MANIFEST_COLUMNS))
    con.execute(_ddl("raw.rejected_row", REJECT_COLUMNS))
    con.execute(_ddl("raw.dq_run", DQ_RUN_COLUMNS))
    con.execute(_ddl("raw.dq_result", DQ_RESULT_COLUMNS))
    con.execute(_ddl("raw.dq_alert", DQ_ALERT_COLUMNS))
