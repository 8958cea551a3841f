"""The data contracts, defined once.

- :mod:`~chiso.contracts.raw`: each raw dataset's columns, types, keys (and the batch columns the loader adds);
- :mod:`~chiso.contracts.loader`: the loader's own tables (landing manifest, rejected rows, DQ history);
- :mod:`~chiso.contracts.vocabularies`: every code list, with the wording each source system exports;
- :mod:`~chiso.contracts.exports`: the source systems and their export layouts (headers, column order);
- :mod:`~chiso.contracts.derived`: what is generated from them (the suites' schema and domain expectations,
  the raw-layer section of docs/FORMATS.md) and the checks of what is written by hand (dbt's sources).

The parsers, the loader's DDL (chiso.warehouse.schema), the quality suites (expectations/*.json), the dbt
sources (dbt_project/models/staging/*/_*__sources.yml) and docs/FORMATS.md derive from these definitions or are
checked against them by tests (tests/unit/test_contracts.py).
"""

from chiso.contracts.loader import TABLES as LOADER_TABLES
from chiso.contracts.model import Column, Table, Vocabulary
from chiso.contracts.raw import BATCH_COLUMNS, DATASETS, columns, dataset, raw_table, table_columns

__all__ = [
    "BATCH_COLUMNS",
    "DATASETS",
    "LOADER_TABLES",
    "Column",
    "Table",
    "Vocabulary",
    "columns",
    "dataset",
    "raw_table",
    "table_columns",
]
