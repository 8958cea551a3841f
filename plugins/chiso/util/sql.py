"""SQL text: quoted identifiers, literals, and ``?`` placeholders filled with literals.

The one place chiso writes values into SQL. Literals are standard SQL (both DuckDB and PostgreSQL read them):
``NULL``, ``TRUE``/``FALSE``, numbers, ``DATE '…'``, ``TIMESTAMP '…'`` and quoted strings with ``'`` doubled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any


class NotALiteral(ValueError):
    """A value SQL text cannot carry (a NUL character, an aware timestamp, a NaN …): bind it instead."""


def ident(name: str) -> str:
    """A quoted identifier: ``order`` → ``"order"``."""
    return '"' + name.replace('"', '""') + '"'


def string(text: str) -> str:
    """A string literal: ``it's`` → ``'it''s'``."""
    if "\x00" in text:
        raise NotALiteral("a NUL character")
    return "'" + text.replace("'", "''") + "'"


def literal(value: Any) -> str:
    """A Python value as an SQL literal; :class:`NotALiteral` for a value that must be bound."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotALiteral(repr(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise NotALiteral("an aware timestamp")
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, str):
        return string(value)
    raise NotALiteral(type(value).__name__)


def fill(sql: str, params: Sequence[Any]) -> str:
    """``sql`` with each ``?`` replaced by the literal of the next value (no ``?`` may appear elsewhere)."""
    parts = sql.split("?")
    if len(parts) != len(params) + 1:
        raise ValueError(f"{len(parts) - 1} placeholders for {len(params)} values in {sql[:60]!r}")
    out = [parts[0]]
    for value, part in zip(params, parts[1:]):
        out += [literal(value), part]
    return "".join(out)


#: the column :func:`parquet_files` adds: the path of the file each row comes from, as given
FILE_COLUMN = "_chiso_file"


def parquet_files(paths: Sequence[str]) -> str:
    """DuckDB: many Parquet files read as one relation, each row with its file's path in :data:`FILE_COLUMN`
    (a chunk of small files grouped or joined by file in one statement)."""
    return f"read_parquet([{', '.join(string(str(p)) for p in paths)}], filename = {string(FILE_COLUMN)})"
