"""The shapes a contract is written in: a vocabulary (the codes a column may hold, and how each source system
writes them), a column (name, SQL type, meaning, vocabulary) and a table (columns, key).

Types are written as SQL types the warehouse backends map (``VARCHAR``, ``SMALLINT``, ``INTEGER``, ``BIGINT``,
``DOUBLE``, ``BOOLEAN``, ``DATE``, ``TIMESTAMP``: a timestamp without time zone, wall clock unless a column's
meaning says otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SQL_TYPES = ("VARCHAR", "SMALLINT", "INTEGER", "BIGINT", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP")


@dataclass(frozen=True)
class Vocabulary:
    """The codes a column may hold, in their order of record, and the text a source system writes for each
    (``labels[code]``: the first label is the current wording, any others are older or alternative wordings
    the parsers also accept)."""

    name: str
    doc: str
    codes: tuple[Any, ...]
    labels: Mapping[Any, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.labels) - set(self.codes)
        if unknown:
            raise ValueError(f"vocabulary {self.name}: labels for codes it does not have: {sorted(map(str, unknown))}")

    def label(self, code: Any) -> str:
        """The current wording of ``code`` in the source system's exports."""
        return self.labels[code][0]

    def label_map(self) -> dict[str, Any]:
        """Every accepted wording → its code (current wordings first, then the older ones)."""
        out: dict[str, Any] = {}
        for i in range(max((len(v) for v in self.labels.values()), default=0)):
            for code in self.codes:
                words = self.labels.get(code, ())
                if i < len(words):
                    out[words[i]] = code
        return out


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    doc: str
    vocabulary: Vocabulary | None = None
    formerly: str | None = None  # the column's previous name: an existing table is renamed in place

    def __post_init__(self) -> None:
        if self.type not in SQL_TYPES:
            raise ValueError(f"column {self.name}: type {self.type!r} is not one of {SQL_TYPES}")


@dataclass(frozen=True)
class Table:
    """A table of the raw layer (schema ``raw``): a dataset the parsers fill, or one of the loader's own."""

    name: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    source_system: str | None = None  # motcua | qlvb | dvc for a dataset; None for the loader's tables

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"table {self.name}: a column name is repeated")
        missing = [k for k in self.key if k not in names]
        if missing:
            raise ValueError(f"table {self.name}: key columns {missing} are not columns")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    def pairs(self) -> list[tuple[str, str]]:
        """(name, SQL type) of every column, in order."""
        return [(c.name, c.type) for c in self.columns]
