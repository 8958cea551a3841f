"""The DuckDB warehouse: one file (``CHISO_WAREHOUSE``, default ``data/warehouse.duckdb``).

DuckDB takes one writer at a time. Every write goes through a connection opened for writing from a task in
the Airflow pool ``warehouse_writer`` (one slot), so writers queue instead of failing; a writer that still finds
the file locked (a command run by hand) waits. Readers open it read-only.

Values are written into the SQL as literals (``chiso.util.sql``) rather than bound: binding Python values
makes the DuckDB client import pandas (to recognise its types), half a second and more in every load task for
the few dozen values a load writes. A value a literal cannot carry (a NUL character, an aware timestamp …) is
bound as usual.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from chiso import settings
from chiso.util import sql as sqltext
from chiso.warehouse.backend import Result, Warehouse


def duckdb_config() -> dict[str, str]:
    """DuckDB settings of every warehouse connection (dbt's profile sets the same): a memory ceiling, so that a
    national-scale load or build spills to disk instead of growing without bound."""
    return {"memory_limit": settings.duckdb_memory_limit()}


class DuckDBWarehouse(Warehouse):
    dialect = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path) -> None:
        self.con = con
        self.path = path

    @classmethod
    def open(cls, read_only: bool = False, path: Path | None = None, wait_seconds: float | None = None) -> DuckDBWarehouse:
        path = Path(path or settings.warehouse_path())
        if read_only and not path.exists():
            raise FileNotFoundError(f"{path}: no warehouse yet — run `make run` first")
        path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + (settings.warehouse_lock_wait() if wait_seconds is None else wait_seconds)
        while True:
            try:
                con = duckdb.connect(str(path), read_only=read_only)
                for key, value in duckdb_config().items():
                    con.execute(f"SET {key} = {sqltext.string(value)}")
                return cls(con, path)
            except duckdb.IOException as exc:  # lock held by another process
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        if not params:
            return self.con.execute(sql)
        try:
            return self.con.execute(sqltext.fill(sql, params))
        except sqltext.NotALiteral:
            return self.con.execute(sql, list(params))

    def insert_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Many rows go to DuckDB as one Arrow table, column by column (a chunk's history, tens of thousands of
        rows: one statement, no SQL text to build and plan); a few rows, or a column Arrow cannot type on its own
        (mixed kinds, an aware timestamp), as literals in statements of ``ROWS_PER_STATEMENT``."""
        rows = [list(r) for r in rows]
        if not rows:
            return 0
        arrow = _arrow_rows(len(columns), rows) if len(rows) >= self.ARROW_FROM_ROWS else None
        target = f"INSERT INTO {table} ({', '.join(sqltext.ident(c) for c in columns)}) "
        if arrow is not None:
            self.con.register("chiso_insert_rows", arrow)
            try:
                self.con.execute(target + "SELECT * FROM chiso_insert_rows")
            finally:
                self.con.unregister("chiso_insert_rows")
            return len(rows)
        one = "(" + ", ".join("?" * len(columns)) + ")"
        step = self.ROWS_PER_STATEMENT
        for start in range(0, len(rows), step):
            part = rows[start : start + step]
            try:
                self.con.execute(target + "VALUES " + ", ".join(sqltext.fill(one, r) for r in part))
            except sqltext.NotALiteral:
                self.con.executemany(target + "VALUES " + one, part)
        return len(rows)

    #: DuckDB plans a long VALUES list in more than linear time: rows sent as literals go in statements of this
    #: many rows (32,000 rows: 2.9 s in one statement, 1.7 s in 500-row ones)
    ROWS_PER_STATEMENT = 500
    #: from this many rows an Arrow table is quicker than literals (registering one costs about 0.4 ms)
    ARROW_FROM_ROWS = 50

    def insert_parquets(self, table: str, files: Sequence[tuple[str | Path, Mapping[str, Any]]],
                        columns: Sequence[str]) -> list[int]:
        """One statement for all the files (a chunk of small files: one scan instead of one per file). One file:
        its constants as literals, and the statement's own count of what it inserted. More: each file's
        constants joined on its name; the per-file counts come from the files' own metadata, and their sum is
        checked against the rows the statement inserted."""
        if not files:
            return []
        names = list(files[0][1])
        target = ", ".join(sqltext.ident(c) for c in [*names, *columns])
        if len(files) == 1:
            ((parquet, constants),) = files
            select = ", ".join([sqltext.literal(constants[n]) for n in names] + [sqltext.ident(c) for c in columns])
            return [self.con.execute(
                f"INSERT INTO {table} ({target}) SELECT {select} FROM read_parquet({sqltext.string(str(parquet))})"
            ).fetchone()[0]]
        paths = [str(p) for p, _ in files]
        relation = sqltext.parquet_files(paths)
        file_col = sqltext.FILE_COLUMN
        counts = dict(self.con.execute(f"SELECT {file_col}, count(*) FROM {relation} GROUP BY 1").fetchall())
        values = ", ".join(
            "(" + ", ".join([sqltext.string(p)] + [sqltext.literal(c[n]) for n in names]) + ")"
            for p, (_, c) in zip(paths, files)
        )
        keys = ", ".join([file_col] + [f"k{i}" for i in range(len(names))])
        select = ", ".join([f"m.k{i}" for i in range(len(names))] + [f"p.{sqltext.ident(c)}" for c in columns])
        inserted = self.con.execute(
            f"INSERT INTO {table} ({target}) SELECT {select} FROM {relation} p "
            f"JOIN (VALUES {values}) AS m({keys}) USING ({file_col})"
        ).fetchone()[0]
        out = [counts.get(p, 0) for p in paths]
        if inserted != sum(out):
            raise RuntimeError(f"{table}: inserted {inserted} rows from {len(paths)} files holding {sum(out)}")
        return out

    def columns_of(self, schema: str, table: str) -> list[str]:
        rows = self.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position", [schema, table]).fetchall()
        return [r[0] for r in rows]

    def begin(self) -> None:
        self.con.execute("BEGIN TRANSACTION")

    def commit(self) -> None:
        self.con.execute("COMMIT")

    def rollback(self) -> None:
        self.con.execute("ROLLBACK")

    def checkpoint(self) -> None:
        self.con.execute("CHECKPOINT")

    def close(self) -> None:
        self.con.close()


def _arrow_rows(width: int, rows: list[list[Any]]):
    """The rows as an Arrow table of ``width`` columns (c0, c1, …), or None when a column's values are not of one
    kind Arrow types on its own the way DuckDB would read the literal (an aware timestamp would be converted)."""
    import datetime as dt

    import pyarrow as pa

    arrays = []
    for j in range(width):
        values = [r[j] for r in rows]
        if any(isinstance(v, dt.datetime) and v.tzinfo is not None for v in values):
            return None
        try:
            arrays.append(pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            return None
    return pa.table(arrays, names=[f"c{j}" for j in range(width)])
