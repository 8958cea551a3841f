"""Build the dbt project once on a temporary DuckDB warehouse holding the raw layer of chiso_dbt_fixture."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
from chiso_dbt_fixture import build_fixture_warehouse, run_dbt


@pytest.fixture(scope="session")
def dbt_warehouse(tmp_path_factory) -> Path:
    """Path of a DuckDB warehouse on which `dbt build` (seeds, models, data and unit tests) succeeded."""
    work = tmp_path_factory.mktemp("dbt")
    warehouse = work / "warehouse.duckdb"
    build_fixture_warehouse(warehouse)
    old = os.environ.get("CHISO_WAREHOUSE")
    os.environ["CHISO_WAREHOUSE"] = str(warehouse)
    try:
        result = run_dbt(["build"], work)
    finally:
        if old is None:
            os.environ.pop("CHISO_WAREHOUSE", None)
        else:
            os.environ["CHISO_WAREHOUSE"] = old
    failures = []
    if result.result is not None:
        for node_result in result.result:
            if str(node_result.status) not in ("success", "pass"):
                failures.append(f"{node_result.node.unique_id}: {node_result.status} {node_result.message}")
    assert result.success, "dbt build failed:\n" + "\n".join(failures or [str(result.exception)])
    return warehouse


@pytest.fixture(scope="session")
def mart(dbt_warehouse):
    """A query helper on mart_kpi_progress: rows as dicts."""
    # dbt-duckdb keeps its own connection to the file open in this process: use the same (default) config
    con = duckdb.connect(str(dbt_warehouse))
    con.execute("SET search_path = 'marts,intermediate,staging,reference,main'")

    def query(sql: str, params: list | None = None) -> list[dict]:
        cur = con.execute(sql, params or [])
        names = [c[0] for c in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    yield query
    con.close()
