"""Every DAG file imports without error, quickly, with tags and retries; the wiring is what we expect."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory):
    import os

    os.environ.setdefault("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow_home")))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    from airflow.dag_processing.dagbag import DagBag

    started = time.perf_counter()
    bag = DagBag(dag_folder=str(DAGS))
    elapsed = time.perf_counter() - started
    print(f"\nDAG folder parsed in {elapsed:.3f}s ({len(bag.dags)} DAGs)")
    bag.parse_seconds = elapsed
    return bag


def test_every_dag_file_imports_without_error(dagbag):
    assert dagbag.import_errors == {}
    files = sorted(p.name for p in DAGS.glob("*.py"))
    loaded = sorted(Path(d.fileloc).name for d in dagbag.dags.values())
    assert loaded == files, "every DAG file defines exactly one DAG"


DAG_IDS = ["build_warehouse", "dq_full_tests", "dq_warning_digest", "ingest_dvc", "ingest_motcua", "ingest_plans",
           "ingest_qlvb"]


def test_dag_ids(dagbag):
    assert sorted(dagbag.dag_ids) == DAG_IDS


def test_parse_time_is_reported_and_small(dagbag):
    # the DAG processor parses every file again and again: heavy imports belong inside tasks
    assert dagbag.parse_seconds < 5.0


@pytest.mark.parametrize("dag_id", DAG_IDS)
def test_tags_and_retries(dagbag, dag_id):
    dag = dagbag.dags[dag_id]
    assert "chiso" in dag.tags and len(dag.tags) >= 2
    assert dag.default_args.get("retries", 0) >= 1
    assert dag.max_active_runs == 1


@pytest.mark.parametrize("source", ["motcua", "qlvb", "dvc", "plans"])
def test_ingest_dag_shape(dagbag, source):
    dag = dagbag.dags[f"ingest_{source}"]
    order = ["land_new_files", "parse", "validate", "load", "publish"]
    assert [t.task_id for t in dag.tasks] == order
    for upstream, downstream in zip(order, order[1:]):
        assert downstream in dag.get_task(upstream).downstream_task_ids
    assert dag.get_task("load").pool == "warehouse_writer"
    outlets = dag.get_task("publish").outlets
    assert [o.uri for o in outlets] == [f"chiso://warehouse/raw/{source}"]


def test_build_dag_is_scheduled_on_every_source_asset(dagbag):
    dag = dagbag.dags["build_warehouse"]
    uris = sorted(a.uri for a in dag.timetable.asset_condition.objects)
    assert uris == [f"chiso://warehouse/raw/{s}" for s in ("dvc", "motcua", "plans", "qlvb")]
    assert dag.get_task("dbt_seed_and_build").pool == "warehouse_writer"
    assert dag.get_task("check_freshness").pool == "warehouse_writer"
    assert "dbt_seed_and_build" in dag.get_task("check_freshness").downstream_task_ids


def test_dag_files_have_no_heavy_top_level_imports():
    heavy = ("pandas", "great_expectations", "dbt", "duckdb", "pyarrow", "openpyxl")
    for path in [*DAGS.glob("*.py"), REPO / "plugins" / "chiso" / "orchestration" / "dag_factory.py"]:
        top = [line for line in path.read_text().splitlines() if line.startswith(("import ", "from "))]
        for line in top:
            assert not any(f" {h}" in line or f" {h}." in line for h in heavy), f"{path.name}: {line}"


@pytest.mark.parametrize("dag_id", ["build_warehouse", "dq_full_tests", "ingest_dvc", "ingest_motcua", "ingest_qlvb"])
def test_every_task_alerts_when_it_fails_for_good(dagbag, dag_id):
    from chiso.orchestration.notifiers import TaskFailureNotifier

    for task in dagbag.dags[dag_id].tasks:
        callbacks = task.on_failure_callback
        callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
        assert any(isinstance(c, TaskFailureNotifier) for c in callbacks), (dag_id, task.task_id)


def test_small_files_share_a_task_and_a_large_file_has_its_own():
    from chiso.orchestration.tasks import chunk

    mb = 1 << 20
    # 2,000 small files: two tasks (at most 1,000 files each), not ten
    assert [len(c) for c in chunk(list(range(2000)), [10_000] * 2000, size=1000, weight=64 * mb)] == [1000, 1000]
    # by bytes: 30 + 30 MB fit in 64, the next 30 starts a new task; a 200 MB file alone; order kept
    weights = [30 * mb, 30 * mb, 30 * mb, 200 * mb, 1 * mb]
    chunks = chunk(list("abcde"), weights, size=1000, weight=64 * mb)
    assert chunks == [["a", "b"], ["c"], ["d"], ["e"]]
    assert chunk([], [], size=10, weight=mb) == []
