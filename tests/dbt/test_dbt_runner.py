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
    assert built_tests < all_tests and any(".keys_" in t for t in built_tests)
    con = duckdb.connect(str(warehouse))
    try:  # a value outside a column's accepted values: the full test run fails (and its task alerts)
        con.execute("update marts.dim_admin_unit set unit_level = 'hamlet' where unit_code = "
                    "(select min(unit_code) from marts.dim_admin_unit)")
    finally:
        con.close()
    with pytest.raises(RuntimeError, match="dbt test"):
        dbt_runner.full_test()
    # an incremental build rebuilds what the loads since the last build can have changed: nothing loaded, so not
    # the dimension (built from the reference seeds alone); a full refresh does
    assert "ERROR=0" in dbt_runner.build()["summary"]
    assert "model.chiso.dim_admin_unit" not in _nodes_run()
    assert "ERROR=0" in dbt_runner.build(full_refresh=True)["summary"]
    assert "ERROR=0" in dbt_runner.full_test()["summary"], "the full refresh rebuilt the dimension"

    # a changed rule must reach the whole history: the next build rebuilds everything
    model = project / "models" / "intermediate" / "int_dossier_month_measures.sql"
    model.write_text(model.read_text(encoding="utf-8") + "\n-- a changed rule\n", encoding="utf-8")
    third = dbt_runner.build()
    assert third["full_refresh"] and third["full_refresh_reason"] == "the dbt project changed since the last build"
    assert tampered() == 0



def test_an_incremental_build_selects_what_the_loads_changed(tmp_path, monkeypatch):
    """After a day of dossiers the build runs what depends on the manifest and the dossiers, not what depends only
    on the seeds or the other sources (the plans' targets, the 766 scores); a load of plans brings those in; and
    the warehouse after these builds is the one a full refresh gives."""
    from chiso_dbt_fixture import dossier, load_batch

    warehouse = tmp_path / "warehouse.duckdb"
    build_fixture_warehouse(warehouse)
    monkeypatch.setenv("CHISO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CHISO_WAREHOUSE", str(warehouse))
    for var in ("DBT_TARGET_PATH", "DBT_LOG_PATH"):
        monkeypatch.delenv(var, raising=False)
    assert dbt_runner.build()["full_refresh"]

    load_batch(warehouse, "sha-day", "sha-day.csv", [
        dossier("H55.04-250901-0001", "2025-09-01", "H55.04", 2, "2025-09-01 08:00", "2025-09-10 17:00", None,
                "received")])
    day = dbt_runner.build()
    assert day["full_refresh"] is False and "ERROR=0" in day["summary"]
    ran = _nodes_run()
    assert {"model.chiso.int_dossier_latest", "model.chiso.mart_kpi_progress"} <= ran
    assert not ran & {"model.chiso.int_kpi_targets", "model.chiso.int_766_recomputed", "model.chiso.dim_date"}

    load_batch(warehouse, "sha-plans", "sha-plans.xlsx", [], dataset="plan_item")
    plans = dbt_runner.build()
    assert "ERROR=0" in plans["summary"]
    assert {"model.chiso.int_kpi_targets", "model.chiso.mart_kpi_progress"} <= _nodes_run()
    assert "model.chiso.int_766_recomputed" not in _nodes_run()

    marts = ("mart_kpi_progress", "mart_units_behind", "mart_766_scorecard", "dim_agency", "fct_dossier")

    def snapshot():
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            return {m: sorted(map(repr, con.execute(f"select * exclude (refreshed_through) from marts.{m}"
                                                    if m == "fct_dossier" else f"select * from marts.{m}").fetchall()))
                    for m in marts}
        finally:
            con.close()

    incremental = snapshot()
    assert dbt_runner.build(full_refresh=True)["full_refresh"]
    assert snapshot() == incremental


def test_a_new_warehouse_starts_from_the_projects_last_parse(tmp_path, monkeypatch):
    """dbt's parse depends on the project, not the data: the first build of a second warehouse reuses the parse of
    the first one's build (kept in CHISO_DBT_PARSE_CACHE) instead of parsing the project again; a stale kept
    parse (the project changed since) is parsed again by dbt, and the build applies the change."""
    from chiso import settings

    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    monkeypatch.setenv("CHISO_DBT_PROJECT_DIR", str(project))
    monkeypatch.setenv("CHISO_DBT_PARSE_CACHE", str(tmp_path / "parse-cache"))
    for var in ("DBT_TARGET_PATH", "DBT_LOG_PATH", "CHISO_WAREHOUSE"):
        monkeypatch.delenv(var, raising=False)

    def first_build(name: str) -> str:
        """A new data folder and warehouse, built once; what dbt logged about parsing."""
        monkeypatch.setenv("CHISO_DATA_DIR", str(tmp_path / name))
        settings.data_dir().mkdir(parents=True)
        build_fixture_warehouse(settings.warehouse_path())
        result = dbt_runner.build()
        assert result["full_refresh"] and "ERROR=0" in result["summary"]
        log = (settings.dbt_state_dir() / "logs" / "dbt.log").read_text(encoding="utf-8")
        return "\n".join(line for line in log.splitlines() if "parsing" in line.lower() or "full parse" in line)

    assert "Starting full parse" in first_build("one")
    assert list((tmp_path / "parse-cache").glob("*.msgpack")), "the parse is kept for the next warehouse"

    second = first_build("two")
    assert "Starting full parse" not in second and "Unable to do partial parsing" not in second
    assert "Partial parsing enabled" in second

    # the project changes: the kept parse is stale; dbt parses the changed file again and the build applies it
    model = project / "models" / "marts" / "dim_date.sql"
    model.write_text(model.read_text(encoding="utf-8") + "\n-- a changed model\n", encoding="utf-8")
    third = first_build("three")
    assert "1 files changed" in third and "Starting full parse" not in third
    compiled = settings.dbt_state_dir() / "target" / "compiled" / "chiso" / "models" / "marts" / "dim_date.sql"
    assert "-- a changed model" in compiled.read_text(encoding="utf-8")


def _nodes_run() -> set[str]:
    """The nodes the last dbt command ran (its run_results.json)."""
    import json

    from chiso import settings

    results = json.loads((settings.dbt_state_dir() / "target" / "run_results.json").read_text(encoding="utf-8"))
    return {r["unique_id"] for r in results["results"]}


def _tests_run() -> set[str]:
    """The data tests the last dbt command ran."""
    return {u for u in _nodes_run() if u.startswith("test.")}
