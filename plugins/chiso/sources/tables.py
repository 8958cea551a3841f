"""Arrow tables of the raw datasets, and the Parquet files they travel in between parse, validate and load."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa

from chiso import contracts
from chiso.sources.base import WrittenTable

_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "INTEGER": pa.int32(),
    "SMALLINT": pa.int16(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
}


def arrow_schema(dataset: str) -> pa.Schema:
    """``source_row`` INTEGER followed by the dataset's columns, as Arrow types."""
    fields = [pa.field("source_row", pa.int32())]
    fields += [pa.field(name, _ARROW_TYPES[t]) for name, t in contracts.columns(dataset)]
    return pa.schema(fields)


def conform(table: pa.Table, dataset: str) -> pa.Table:
    """Select and cast ``table`` to the dataset's exact column order and types."""
    schema = arrow_schema(dataset)
    return table.select(schema.names).cast(schema)


# ------------------------------------------------------------------------------------------- Parquet
#
# The work files between parse, validate and load. Row groups of DuckDB's own size (122 880 rows), so that
# DuckDB reads a file with all its threads; no compression codec; dictionary pages only for columns with
# few distinct values (a dictionary of unique values costs time and falls back to plain pages anyway).
# 2M dossiers: 255 MiB written in 0.9 CPU-s, read by DuckDB in 1.6 (Snappy: 196 MiB, 1.4 and 1.8).

PARQUET_ROW_GROUP = 122_880
PARQUET_COMPRESSION = "none"  # these files live minutes; Snappy saved little here (the dictionaries do) and cost time
_UNIQUE_COLUMNS = {"source_row", "dossier_code", "applicant_key", "received_at", "appointment_at",
                   "completed_at", "updated_at", "document_number"}


def parquet_options(schema: pa.Schema) -> dict[str, Any]:
    return {
        "compression": PARQUET_COMPRESSION,
        "use_dictionary": [n for n in schema.names if n not in _UNIQUE_COLUMNS],
    }


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write a parsed table to Parquet (atomically: a failed write leaves no file)."""
    import pyarrow.parquet as pq

    tmp = path.with_name(path.name + ".part")
    pq.write_table(table, tmp, row_group_size=PARQUET_ROW_GROUP, **parquet_options(table.schema))
    tmp.replace(path)


class ParquetSink:
    """A parsed table streamed into one Parquet file, batch by batch (``<name>.part`` until ``close``).

    ``rows(columns)`` reads columns of what was written so far (it ends the writing); ``close(fix)``
    publishes the file, first rewriting it row group by row group through ``fix`` when given (rows to drop
    or a column to fill that were only known at the end)."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        import pyarrow.parquet as pq

        self.path = Path(path)
        self.schema = schema
        self.tmp = self.path.with_name(self.path.name + ".part")
        self.writer = pq.ParquetWriter(self.tmp, schema, **parquet_options(schema))
        self.num_rows = 0

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            self.writer.write_table(table, row_group_size=max(table.num_rows, PARQUET_ROW_GROUP))
            self.num_rows += table.num_rows

    def _seal(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def rows(self, columns: list[str]) -> pa.Table:
        import pyarrow.parquet as pq

        self._seal()
        with pq.ParquetFile(self.tmp) as f:
            return f.read(columns=columns)

    def close(self, fix: Callable[[pa.Table], pa.Table] | None = None) -> WrittenTable:
        import pyarrow.parquet as pq

        self._seal()
        if fix is not None:
            again = self.path.with_name(self.path.name + ".fix")
            self.num_rows = 0
            with pq.ParquetFile(self.tmp) as src, pq.ParquetWriter(again, self.schema,
                                                                  **parquet_options(self.schema)) as w:
                for i in range(src.num_row_groups):
                    t = fix(src.read_row_group(i))
                    if t.num_rows:
                        w.write_table(t, row_group_size=max(t.num_rows, PARQUET_ROW_GROUP))
                        self.num_rows += t.num_rows
            again.replace(self.tmp)
        self.tmp.replace(self.path)
        return WrittenTable(self.path, self.num_rows)

    def abort(self) -> None:
        self._seal()
        self.tmp.unlink(missing_ok=True)
        self.path.with_name(self.path.name + ".fix").unlink(missing_ok=True)


class MemorySink:
    """The same interface as ``ParquetSink``, keeping the batches as one Arrow table (no output folder)."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.parts: list[pa.Table] = []

    def write(self, table: pa.Table) -> None:
        self.parts.append(table)

    def _table(self) -> pa.Table:
        if len(self.parts) != 1:
            self.parts = [pa.concat_tables(self.parts) if self.parts else self.schema.empty_table()]
        return self.parts[0]

    def rows(self, columns: list[str]) -> pa.Table:
        return self._table().select(columns)

    def close(self, fix: Callable[[pa.Table], pa.Table] | None = None) -> pa.Table:
        return fix(self._table()) if fix else self._table()

    def abort(self) -> None:
        self.parts = []


def table_from_rows(rows: Iterable[dict[str, Any]], dataset: str) -> pa.Table:
    """Rows (dicts; a missing key is null, other keys are ignored) as a table of the dataset's schema."""
    return pa.Table.from_pylist(list(rows), schema=arrow_schema(dataset))
