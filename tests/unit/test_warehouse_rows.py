"""Rows written through the DuckDB warehouse's insert_rows read back the same whichever way they travel: as SQL
literals (a few rows), as one Arrow table (many rows), or bound one by one (values a literal cannot carry)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from chiso.warehouse import backend

COLUMNS = ["name", "n", "share", "day", "seen_at", "ok", "amount"]


def _rows(count: int) -> list[list]:
    rows = []
    for i in range(count):
        rows.append([
            None if i % 7 == 0 else f"đơn vị {i}" + ("\x00tail" if i == 3 else ""),
            None if i % 5 == 0 else i * 1_000_000_007,
            None if i % 4 == 0 else i / 3,
            date(2025, 7, 1 + i % 28),
            datetime(2025, 7, 1, 8, i % 60, 30),
            i % 2 == 0,
            Decimal(f"{i}.25"),
        ])
    return rows


@pytest.mark.parametrize("count", [3, 120])
def test_rows_read_back_as_written(chiso_data, count):
    rows = _rows(count)
    with backend.connect() as wh:
        wh.execute("CREATE TABLE t (name VARCHAR, n BIGINT, share DOUBLE, day DATE, seen_at TIMESTAMP, ok BOOLEAN, "
                   "amount DECIMAL(18, 2))")
        assert wh.insert_rows("t", COLUMNS, rows) == count
        back = wh.execute("SELECT * FROM t ORDER BY seen_at, day, n NULLS FIRST").fetchall()
    key = lambda r: (r[4], r[3], -1 if r[1] is None else r[1])  # noqa: E731
    assert [list(r) for r in back] == sorted(rows, key=key)


def test_a_column_arrow_cannot_type_alone_still_loads(chiso_data):
    aware = datetime(2025, 7, 1, 1, 0, tzinfo=UTC)
    rows = [[f"r{i}", aware if i == 0 else datetime(2025, 7, 1, 8, 0)] for i in range(60)]
    mixed = [[f"r{i}", "2025-07-01 08:00:00" if i % 2 else datetime(2025, 7, 1, 8, 0)] for i in range(60)]
    with backend.connect() as wh:
        wh.execute("CREATE TABLE t (name VARCHAR, seen_at TIMESTAMP)")
        assert wh.insert_rows("t", ["name", "seen_at"], rows) == 60
        assert wh.insert_rows("t", ["name", "seen_at"], mixed) == 60
        assert wh.execute("SELECT count(*), count(DISTINCT seen_at) FROM t").fetchone()[0] == 120
