"""chiso's dbt build is incremental, and rebuilds from scratch by itself when the dbt project changed."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from chiso.warehouse import dbt as dbt_runner
from chiso_dbt_fixture import DBT_PROJECT_DIR, build_fixture_warehouse


def test_build_full_refresh_only_when_the_project_changed(tmp_path, monkeypatch):
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    warehouse = tmp_path / "warehouse.duckdb"
    build_fixture_warehouse(warehouse)
    monkeypatch.setenv("CHISO_DBT_PROJECT_DIR", str(project))
    monkeypatch.setenv("CHISO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CHISO_WAREHOUSE", str(warehouse))
    for var in ("DBT_TARGET_PATH", "DBT_LOG_PATH"):
        monkeypatch.delenv(var, raising=False)

    first = dbt_runner.build()
    assert first["full_refresh"] and first["full_refresh_reason"] == "first build on this target"
    assert "ERROR=0" in first["summary"]

    def tampered() -> int:
        con = duckdb.connect(str(warehouse))
        try:
            return con.execute("select count(*) from intermediate.int_dossier_month_measures "
                               "where n_received = -1").fetchone()[0]
        finally:
            con.close()

    # mark an old month's row: an incremental build without new loads must leave it alone
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("update intermediate.int_dossier_month_measures set n_received = -1 "
                    "where attribution = 'marker' and month_start = "
                    "(select min(month_start) from intermediate.int_dossier_month_measures)")
    finally:
        con.close()
    assert tampered() > 0

    second = dbt_runner.build()
    assert second["full_refresh"] is False and "ERROR=0" in second["summary"]
    assert tampered() > 0

    # the daily full test run: every data test, the ones the builds leave out (accepted values …) included
    built_tests = _tests_run()
    full = dbt_runner.full_test()
    assert "ERROR=0" in full["summary"]
    all_tests = _tests_run()
    assert any(".accepted_values_" in t for t in all_tests) and not any(".accepted_values_" in t for t in built_tests)
    assert built_tests < all_tests and any(".unique_" in t for t in built_tests)
    con = duckdb.connect(str(warehouse))
    try:  # a value outside a column's accepted values: the full test run fails (and its task alerts)
        con.execute("update marts.dim_admin_unit set unit_level = 'hamlet' where unit_code = "
                    "(select min(unit_code) from marts.dim_admin_unit)")
    finally:
        con.close()
    with pytest.raises(RuntimeError, match="dbt test"):
        dbt_runner.full_test()
    assert "ERROR=0" in dbt_runner.build()["summary"], "the next build rebuilds the dimension"

    # a changed rule must reach the whole history: the next build rebuilds everything
    model = project / "models" / "intermediate" / "int_dossier_month_measures.sql"
    model.write_text(model.read_text(encoding="utf-8") + "\n-- a changed rule\n", encoding="utf-8")
    third = dbt_runner.build()
    assert third["full_refresh"] and third["full_refresh_reason"] == "the dbt project changed since the last build"
    assert tampered() == 0



def _tests_run() -> set[str]:
    """The data tests the last dbt command ran (its run_results.json)."""
    import json

    from chiso import settings

    results = json.loads((settings.dbt_state_dir() / "target" / "run_results.json").read_text(encoding="utf-8"))
    return {r["unique_id"] for r in results["results"] if r["unique_id"].startswith("test.")}
