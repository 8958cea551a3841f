"""The raw layer's DDL, derived from the contracts: ``raw.<dataset>`` for every dataset (batch columns first)
and the loader's own tables. Created when missing; a column renamed in the contract (``Column.formerly``) is
renamed in an existing warehouse."""

from __future__ import annotations

from chiso import contracts
from chiso.contracts.model import Table
from chiso.util.sql import ident
from chiso.warehouse.backend import Warehouse

SCHEMA = "raw"

# the contracts' SQL types in each dialect
TYPES: dict[str, dict[str, str]] = {
    "duckdb": {t: t for t in ("VARCHAR", "SMALLINT", "INTEGER", "BIGINT", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP")},
    "postgres": {"VARCHAR": "text", "SMALLINT": "smallint", "INTEGER": "integer", "BIGINT": "bigint",
                 "DOUBLE": "double precision", "BOOLEAN": "boolean", "DATE": "date",
                 "TIMESTAMP": "timestamp without time zone"},
}


def raw_tables() -> list[Table]:
    """Every table of the raw layer, as created."""
    return [contracts.raw_table(name) for name in contracts.DATASETS] + list(contracts.LOADER_TABLES.values())


def create_table_sql(table: Table, dialect: str = "duckdb") -> str:
    types = TYPES[dialect]
    body = ",\n  ".join(f"{ident(c.name)} {types[c.type]}" for c in table.columns)
    return f"CREATE TABLE IF NOT EXISTS {SCHEMA}.{table.name} (\n  {body}\n)"


def ensure_raw_schema(wh: Warehouse) -> None:
    """Create the raw layer's schema and tables that are missing; apply column renames of the contracts. On
    PostgreSQL also the read-only role; in one transaction, one writer at a time (concurrent
    ``CREATE … IF NOT EXISTS`` can collide there)."""
    if wh.dialect != "postgres":
        _create_raw(wh)
        return
    from chiso.warehouse import postgres_backend

    with wh.transaction():
        wh.lock("chiso:raw-schema")
        _create_raw(wh)
        postgres_backend.setup(wh)


def _create_raw(wh: Warehouse) -> None:
    wh.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    for table in raw_tables():
        renames = [c for c in table.columns if c.formerly]
        if renames:
            existing = wh.columns_of(SCHEMA, table.name)
            for c in renames:
                if c.formerly in existing and c.name not in existing:
                    wh.execute(f"ALTER TABLE {SCHEMA}.{table.name} RENAME COLUMN {ident(c.formerly)} TO {ident(c.name)}")
        wh.execute(create_table_sql(table, wh.dialect))
