"""What the ingestion DAGs' tasks do, run in-process by the tests: one shared helper instead of a copy per module."""

from __future__ import annotations

import duckdb
from chiso import settings
from chiso.ingest.batch import Batch
from chiso.orchestration import tasks


def ingest(source: str) -> list[Batch]:
    """One run of a source's ingestion tasks (land → parse → validate → load), through their JSON descriptors
    as over XCom; the batches as the load step left them."""
    out = []
    for chunk in tasks.land_new_files(source):
        out += tasks.load(tasks.validate(tasks.parse(chunk)))
    return [Batch.from_json(d) for d in out]


def query(sql: str, params=()) -> list[tuple]:
    """Rows of a query on the DuckDB warehouse, opened read-only."""
    con = duckdb.connect(str(settings.warehouse_path()), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()
