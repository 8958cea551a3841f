"""Every mart of a DuckDB warehouse against the same mart on PostgreSQL, row for row (shared by the deploy
tests). Columns recording when or where a build ran are left out, as in tools/mart_snapshot.py; every other value
must be equal. Numbers are compared as floats to 7 significant digits: an exact decimal reaches Python as a
Decimal from both engines, a double as its exact binary value from DuckDB (0.30000000000000004) and as its
shortest text from PostgreSQL (0.3). The 766 scores and ratios are exact decimals (issue 13), so their sums,
ranks and recomputed scores are compared like every other column."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal

import duckdb
import psycopg

VOLATILE = ("loaded_at", "built_at", "refreshed_through", "landed_path", "received_at", "validated_at")
TABLES = "select table_name from information_schema.tables where table_schema = 'marts' order by 1"


def norm(v):
    if isinstance(v, Decimal):
        v = float(v)
    if isinstance(v, float):
        return None if math.isnan(v) else float(f"{v:.7g}")
    if isinstance(v, datetime | date):
        return v.isoformat()
    return v


def pg_query(dbname: str, sql: str, params=(), host: str = "127.0.0.1", port: int = 5432) -> list[tuple]:
    with psycopg.connect(host=host, port=port, user="postgres", dbname=dbname) as con:
        return con.execute(sql, list(params) or None).fetchall()


def _rows(fetch, table: str, cols: list[str]) -> list[tuple]:
    select = ", ".join(f'"{c}"' for c in cols)
    return sorted(
        (tuple(norm(v) for v in r) for r in fetch(f'select {select} from marts."{table}"')), key=repr
    )


def compare_marts(duck_path, pg_dbname: str) -> dict[str, int]:
    """Assert every mart equal on both warehouses; returns each mart's row count."""
    con = duckdb.connect(str(duck_path), read_only=True)
    try:
        tables = [r[0] for r in con.execute(TABLES).fetchall()]
        assert tables == [r[0] for r in pg_query(pg_dbname, TABLES)] and "mart_kpi_progress" in tables
        counts = {}
        for table in tables:
            cols = [
                r[0]
                for r in con.execute(
                    "select column_name from information_schema.columns where table_schema = 'marts' "
                    "and table_name = ? order by ordinal_position",
                    [table],
                ).fetchall()
            ]
            cols = [c for c in cols if not c.endswith(VOLATILE)]
            duck_rows = _rows(lambda sql: con.execute(sql).fetchall(), table, cols)
            pg_rows = _rows(lambda sql: pg_query(pg_dbname, sql), table, cols)
            assert len(pg_rows) == len(duck_rows), (table, len(pg_rows), len(duck_rows))
            diff = next(
                ((p, d) for p, d in zip(pg_rows, duck_rows, strict=True) if p != d), None
            )
            assert diff is None, (table, [(c, p, d) for c, p, d in zip(cols, *diff, strict=True) if p != d])
            counts[table] = len(duck_rows)
        return counts
    finally:
        con.close()
