"""Helpers shared by the parsers: Arrow schemas of the raw datasets, building tables from rows."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa

from chiso import schemas

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
    fields += [pa.field(name, _ARROW_TYPES[t]) for name, t in schemas.columns(dataset)]
    return pa.schema(fields)


def conform(table: pa.Table, dataset: str) -> pa.Table:
    """Select and cast ``table`` to the dataset's exact column order and types."""
    schema = arrow_schema(dataset)
    return table.select(schema.names).cast(schema)


def table_from_rows(rows: Iterable[dict[str, Any]], dataset: str) -> pa.Table:
    schema = arrow_schema(dataset)
    rows = list(rows)
    cols = {f.name: pa.array([r.get(f.name) for r in rows], type=f.type) for f in schema}
    return pa.table(cols, schema=schema)


_PERIOD_IN_NAME = re.compile(r"(?<!\d)(\d{4})-(\d{2})(?!\d)")


def month_from_name(path: str | Path) -> date | None:
    """First day of the month named in a file name (``..._2023-01.csv``, ``month-2026-08.json``)."""
    m = _PERIOD_IN_NAME.search(Path(path).name)
    if not m:
        return None
    y, mo = int(m.group(1)), int(m.group(2))
    if not 1 <= mo <= 12:
        return None
    return date(y, mo, 1)


def month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def short(value: Any, n: int = 80) -> str:
    s = "" if value is None else str(value)
    return s if len(s) <= n else s[: n - 1] + "…"
