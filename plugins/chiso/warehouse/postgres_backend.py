"""The PostgreSQL warehouse: the database of ``CHISO_WAREHOUSE=postgresql://user@host:port/database``.

Many writers at once: loads of different sources run in parallel (no single-slot pool). What two writers could
race on is serialised by transaction-scoped advisory locks (:meth:`PostgresWarehouse.lock`): the raw layer's
set-up, and, in the loader, a batch's manifest row and a supersede key. A batch's Parquet tables arrive by
``COPY … FROM STDIN`` (CSV written by Arrow, streamed record batch by record batch), inside the batch's
transaction. ``?`` placeholders become psycopg's ``%s``.

:func:`setup` creates the read-only role ``chiso_reader`` (password from ``CHISO_READER_PASSWORD`` where the
server asks for one) and lets it connect; dbt grants it ``SELECT`` on the marts (dbt_project.yml).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql as pgsql

from chiso import settings
from chiso.util.sql import ident
from chiso.warehouse.backend import Result, Warehouse

READER_ROLE = "chiso_reader"
COPY_BATCH_ROWS = 65_536


def placeholders(sql: str) -> str:
    """``?`` → ``%s`` and ``%`` → ``%%`` outside quoted text and identifiers (psycopg's paramstyle)."""
    out, quote = [], None
    for ch in sql:
        if quote:
            out.append("%%" if ch == "%" else ch)
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


class _Rows:
    """A statement's rows, fetched once (the cursor is free for the next statement)."""

    def __init__(self, rows: list[tuple], description: list[tuple] | None = None) -> None:
        self.rows = rows
        #: the DB-API column description (name first), as DuckDB's cursor gives it; None for no result set
        self.description = description

    def fetchone(self) -> tuple | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[tuple]:
        return self.rows


def conninfo(dbname: str | None = None) -> dict[str, Any]:
    pg = settings.warehouse_postgres()
    params: dict[str, Any] = {
        "host": pg["host"],
        "port": int(pg["port"]),
        "user": pg["user"],
        "dbname": dbname or pg["dbname"],
        "connect_timeout": 10,
        "application_name": "chiso",
    }
    if pg["password"]:
        params["password"] = pg["password"]
    return params


class PostgresWarehouse(Warehouse):
    dialect = "postgres"

    def __init__(self, con: psycopg.Connection) -> None:
        self.con = con

    @classmethod
    def open(cls, read_only: bool = False) -> PostgresWarehouse:
        params = conninfo()
        try:
            con = psycopg.connect(**params, autocommit=True)
        except psycopg.OperationalError as exc:
            if "does not exist" not in str(exc):
                raise
            create_database(params["dbname"])
            con = psycopg.connect(**params, autocommit=True)
        if read_only:
            con.execute("SET default_transaction_read_only = on")
        return cls(con)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Result:
        cur = self.con.execute(placeholders(sql), list(params)) if params else self.con.execute(sql)
        if not cur.description:
            return _Rows([])
        return _Rows(cur.fetchall(), [(c.name, c.type_code, None, None, None, None, None) for c in cur.description])

    def insert_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        rows = [list(r) for r in rows]
        if rows:
            cols = ", ".join(ident(c) for c in columns)
            with self.con.cursor() as cur:
                cur.executemany(
                    f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})", rows
                )
        return len(rows)

    def insert_parquets(
        self, table: str, files: Sequence[tuple[str | Path, Mapping[str, Any]]], columns: Sequence[str]
    ) -> list[int]:
        """One COPY for all the files (a chunk of small files: one statement, not one per file), fed in CSV
        batches of ``COPY_BATCH_ROWS``, each file's constants repeated on its rows."""
        import pyarrow as pa
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        if not files:
            return []
        constant_names = list(files[0][1])
        names = [*constant_names, *columns]
        target = ", ".join(ident(c) for c in names)
        options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
        def rows_of(parquet, values: list[Any]):
            """The file's rows with its constants in front, in Arrow tables of at most COPY_BATCH_ROWS rows."""
            for batch in pq.ParquetFile(str(parquet)).iter_batches(batch_size=COPY_BATCH_ROWS, columns=list(columns)):
                n = batch.num_rows
                arrays = [pa.array([v] * n) if v is not None else pa.nulls(n) for v in values]
                yield pa.Table.from_arrays(arrays + [batch.column(c) for c in columns], names=names)

        counts = []
        with self.con.cursor() as cur, cur.copy(f"COPY {table} ({target}) FROM STDIN (FORMAT csv)") as copy:
            for parquet, constants in files:
                count = 0
                for rows in rows_of(parquet, [constants[k] for k in constant_names]):
                    buf = io.BytesIO()
                    pacsv.write_csv(rows, buf, write_options=options)
                    copy.write(buf.getvalue())
                    count += rows.num_rows
                counts.append(count)
        return counts

    def columns_of(self, schema: str, table: str) -> list[str]:
        rows = self.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
            "ORDER BY ordinal_position",
            [schema, table],
        ).fetchall()
        return [r[0] for r in rows]

    def lock(self, key: str) -> None:
        self.con.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])

    def begin(self) -> None:
        self.con.execute("BEGIN")

    def commit(self) -> None:
        self.con.execute("COMMIT")

    def rollback(self) -> None:
        self.con.execute("ROLLBACK")

    def close(self) -> None:
        self.con.close()


def create_database(dbname: str) -> None:
    """Create the warehouse database (chiso's user needs CREATEDB, or the database made beforehand)."""
    with psycopg.connect(**conninfo("postgres"), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if not exists:
            with contextlib.suppress(psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                admin.execute(f"CREATE DATABASE {ident(dbname)}")


def setup(wh: PostgresWarehouse) -> None:
    """The read-only role and what it may do: connect, read the marts (dbt grants the tables); write nothing,
    not even temporary tables. Idempotent; run under the set-up lock in the set-up transaction."""
    role = ident(READER_ROLE)
    password = settings.reader_password()
    exists = wh.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", [READER_ROLE]).fetchone()
    if not exists:
        wh.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT")
    if password:
        wh.con.execute(
            pgsql.SQL("ALTER ROLE {} PASSWORD {}").format(
                pgsql.Identifier(READER_ROLE), pgsql.Literal(password)
            )
        )
    db = ident(wh.execute("SELECT current_database()").fetchone()[0])
    wh.execute(f"REVOKE ALL ON DATABASE {db} FROM PUBLIC")
    wh.execute(f"GRANT CONNECT ON DATABASE {db} TO {role}")
    wh.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    # dbt builds the marts into this schema and grants SELECT on each table (dbt_project.yml)
    wh.execute("CREATE SCHEMA IF NOT EXISTS marts")
    wh.execute(f"GRANT USAGE ON SCHEMA marts TO {role}")
    wh.execute(f"ALTER ROLE {role} SET default_transaction_read_only = on")
