"""The data contracts, defined once: each raw dataset's columns, types, keys and vocabularies, the loader's own
tables, and the source systems' export layouts. Parsers, the loader's DDL, the quality suites, the dbt sources
and docs/FORMATS.md derive from (or are checked against) these definitions."""

from chiso.contracts.raw import BATCH_COLUMNS, DATASETS, columns, table_columns

__all__ = ["BATCH_COLUMNS", "DATASETS", "columns", "table_columns"]
