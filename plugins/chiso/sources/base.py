"""What every source parser returns, and the errors it raises.

A parser turns one export file into one or more raw-layer tables (``chiso.contracts.raw``), plus the rows it
rejected with a reason each. It never writes anything. Personal data never leaves the parser: a rejected
value that could identify a person is reported by its column and kind, not by its value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa


@dataclass(frozen=True)
class RowError:
    """One defect in one row (row=None: the whole file)."""

    row: int | None  # 1-based data-row number (header rows not counted); None = file level
    column: str | None
    expected: str
    found: str  # the offending value, truncated; never a personal identifier
    message: str = ""

    def describe(self, file: str) -> str:
        where = f"{file}" + (f", row {self.row}" if self.row is not None else "")
        where += f", column {self.column}" if self.column else ""
        return f"{where}: expected {self.expected}, found {self.found!r}" + (
            f" ({self.message})" if self.message else ""
        )


class ParseError(Exception):
    """The file as a whole cannot be read: it is quarantined, nothing of it is loaded."""

    def __init__(
        self,
        file: str | Path,
        expected: str,
        found: str,
        *,
        row: int | None = None,
        column: str | None = None,
        message: str = "",
    ) -> None:
        self.file = str(file)
        self.error = RowError(row=row, column=column, expected=expected, found=str(found)[:200], message=message)
        super().__init__(self.error.describe(Path(self.file).name))


@dataclass(frozen=True)
class WrittenTable:
    """A table the parser streamed straight to Parquet (``chiso.sources.parse(..., out_dir=...)``): the file,
    with the same columns as the Arrow table it stands for, and its number of rows."""

    path: Path
    num_rows: int


@dataclass
class ParsedBatch:
    """The parse of one file.

    ``tables`` maps a dataset name of ``chiso.contracts.DATASETS`` to an Arrow table whose columns are
    ``source_row`` (INTEGER, 1-based) followed by exactly ``contracts.columns(dataset)``, in that order; or,
    when the parser was given an output folder, to a ``WrittenTable`` (the same table, already in Parquet).
    ``rows_read`` counts the file's data rows; it equals the rows of the main table plus the distinct rows
    in ``rejects`` (``rows_read == rows_loaded + rows_rejected``).
    """

    path: Path
    source_system: str  # motcua | qlvb | dvc
    format: str  # e.g. motcua-dossier-csv, motcua-bieu06-xlsx, qlvb-register-xlsx, dvc-catalogue-csv, dvc-766-json
    main_dataset: str  # the dataset whose rows are counted in rows_read
    period_start: date | None
    period_end: date | None
    tables: dict[str, pa.Table | WrittenTable]
    rows_read: int
    rejects: list[RowError] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # reporting unit, printed totals, reconciliation ...

    def summary(self) -> dict[str, Any]:
        """What the file is and how many rows it gave, as plain JSON-able values."""
        return {
            "format": self.format,
            "source_system": self.source_system,
            "dataset": self.main_dataset,
            "period_start": str(self.period_start) if self.period_start else None,
            "period_end": str(self.period_end) if self.period_end else None,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
        }

    @property
    def rows_rejected(self) -> int:
        return len({e.row for e in self.rejects if e.row is not None})

    @property
    def rows_accepted(self) -> int:
        return self.tables[self.main_dataset].num_rows if self.main_dataset in self.tables else 0
