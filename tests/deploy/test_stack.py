"""The local production stack (``make stack``): its definition against docker-compose.yaml, and the sample
through it — files in incoming/ → the three ingestion DAGs on two Celery workers → PostgreSQL → the build —
with every mart equal, row for row, to the DuckDB warehouse built in-process from the same files; then
``make stack-down`` leaves no process behind.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import chiso_sample as sample
import duckdb
import psycopg
import pytest
import yaml
from chiso import settings
from chiso.orchestration import stack, tasks
from chiso.warehouse import dbt
from marts_compare import compare_marts, pg_query

REPO = Path(__file__).resolve().parents[2]
COMPOSE_SERVICE = {
    "api-server": "airflow-apiserver",
    "scheduler": "airflow-scheduler",
    "dag-processor": "airflow-dag-processor",
    "triggerer": "airflow-triggerer",
}


def test_compose_runs_the_components_of_the_stack():
    services = yaml.safe_load((REPO / "docker-compose.yaml").read_text())["services"]
    for name, cmd in stack.COMPONENTS.items():
        if name.startswith("worker-"):
            assert services["airflow-worker"]["command"] == " ".join(cmd[:2])
        else:
            assert services[COMPOSE_SERVICE[name]]["command"] == cmd[0]
    assert sum(1 for n in stack.COMPONENTS if n.startswith("worker-")) == stack.WORKERS == 2
    env = yaml.safe_load((REPO / "docker-compose.yaml").read_text())["x-airflow-common"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["CHISO_WAREHOUSE"].startswith("postgresql://")
    # the environment the stack's components share is set in the compose file too
    assert [k for k in stack.SHARED_ENV_KEYS if k not in env] == []


@pytest.fixture
def stack_env(tmp_path, monkeypatch):
    """A stack of its own: data folder, Airflow home, ports, metadata and warehouse databases, Redis db."""
    tag = uuid.uuid4().hex[:8]
    env = {
        "CHISO_DATA_DIR": str(tmp_path / "data"),
        "CHISO_PII_KEY": "test-key-not-a-secret",
        "CHISO_STACK_HOME": str(tmp_path / "stack"),
        "CHISO_STACK_API_PORT": "18230",
        "CHISO_STACK_METADATA_DB": f"postgresql://postgres@127.0.0.1:5432/chiso_deploy2_af_{tag}",
        "CHISO_STACK_BROKER_URL": "redis://127.0.0.1:6379/13",
        "CHISO_STACK_WAREHOUSE": f"postgresql://postgres@127.0.0.1:5432/chiso_deploy2_wh_{tag}",
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    for k in (
        "CHISO_INCOMING_DIR",
        "CHISO_LANDING_DIR",
        "CHISO_WORK_DIR",
        "CHISO_QUARANTINE_DIR",
        "CHISO_WAREHOUSE",
        "AIRFLOW_HOME",
    ):
        monkeypatch.delenv(k, raising=False)
    yield env
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as admin:
        for key in ("CHISO_STACK_METADATA_DB", "CHISO_STACK_WAREHOUSE"):
            admin.execute(f'drop database if exists "{env[key].rsplit("/", 1)[1]}" with (force)')


def test_the_sample_through_the_stack_equals_duckdb(stack_env, monkeypatch, tmp_path):
    sample.generate(
        settings.incoming_dir(),
        seed=5,
        provinces=1,
        start="2025-06",
        end="2025-07",
        dossiers_per_month=60,
        documents_per_month=15,
    )
    shutil.copytree(settings.incoming_dir(), tmp_path / "duck" / "incoming")
    started = []
    try:
        stack.up(echo=lambda s: None)
        started = list(stack._read_pids().values())
        states = stack.run(echo=lambda s: None, wait_seconds=1800)
        assert states == {
            "ingest_motcua": "success",
            "ingest_qlvb": "success",
            "ingest_dvc": "success",
            "build_warehouse": "success",
        }
    finally:
        stopped = stack.down(echo=lambda s: None)
    assert set(stopped) == set(stack.COMPONENTS)
    assert started and all(stack.group_members(pgid) == [] for pgid in started), (
        "a process outlived the stack"
    )
    wh = stack_env["CHISO_STACK_WAREHOUSE"].rsplit("/", 1)[1]
    manifest = pg_query(wh, "select status, rows_read, rows_loaded, rows_rejected from raw.landing_manifest")
    assert manifest and all(s == "loaded" and r == lo + rj for s, r, lo, rj in manifest)
    # the same files, in-process, into DuckDB
    monkeypatch.setenv("CHISO_DATA_DIR", str(tmp_path / "duck"))
    for source in ("motcua", "qlvb", "dvc"):
        for chunk in tasks.land_new_files(source):
            assert all(d["status"] == "loaded" for d in tasks.load(tasks.validate(tasks.parse(chunk))))
    dbt.build()
    con = duckdb.connect(str(settings.warehouse_path()), read_only=True)
    duck_manifest = con.execute(
        "select status, rows_read, rows_loaded, rows_rejected from raw.landing_manifest"
    )
    assert sorted(manifest) == sorted(duck_manifest.fetchall()), "each file loaded once, as in-process"
    con.close()
    counts = compare_marts(settings.warehouse_path(), wh)
    assert counts["mart_kpi_progress"] > 20
