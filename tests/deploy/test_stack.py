"""The local production stack (``make stack``): its definition against docker-compose.yaml, and the sample
through it — files in incoming/ → the three ingestion DAGs on two Celery workers → PostgreSQL → the build —
with every mart equal, row for row, to the DuckDB warehouse built in-process from the same files; then
``make stack-down`` leaves no process behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
import uuid
from pathlib import Path

import chiso_sample as sample
import duckdb
import psycopg
import pytest
import yaml
from chiso import settings
from chiso.contracts.exports import SOURCE_SYSTEMS
from chiso.orchestration import stack
from chiso.warehouse import dbt
from ingest_steps import ingest
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
        assert states == {f"ingest_{s}": "success" for s in SOURCE_SYSTEMS} | {"build_warehouse": "success"}
        # the build runs once per change: every load's Asset event made exactly one build run, and every
        # build run was made by events (ingest runs that loaded nothing announce nothing)
        token = stack._token()
        events = stack._get(stack.api_url("/api/v2/assets/events?limit=100"), token)["asset_events"]
        made = {e["id"]: [r["run_id"] for r in e["created_dagruns"] if r["dag_id"] == "build_warehouse"]
                for e in events if e["source_dag_id"].startswith("ingest_")}  # fmt: skip
        assert made and all(len(runs) == 1 for runs in made.values()), made
        builds = {r["dag_run_id"] for r in stack._runs(token, "build_warehouse")}
        assert builds == {run for runs in made.values() for run in runs}
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
    for source in SOURCE_SYSTEMS:
        assert all(b.status == "loaded" for b in ingest(source))
    dbt.build()
    con = duckdb.connect(str(settings.warehouse_path()), read_only=True)
    duck_manifest = con.execute(
        "select status, rows_read, rows_loaded, rows_rejected from raw.landing_manifest"
    )
    assert sorted(manifest) == sorted(duck_manifest.fetchall()), "each file loaded once, as in-process"
    con.close()
    counts = compare_marts(settings.warehouse_path(), wh)
    assert counts["mart_kpi_progress"] > 20


def _process_holding(port: int) -> int | None:
    """The local process whose TCP connection comes from ``port`` (a warehouse session's client)."""
    import psutil

    return next((c.pid for c in psutil.net_connections(kind="tcp") if c.laddr and c.laddr.port == port), None)


def _worker_of(pid: int, pgids: dict[str, int]) -> str | None:
    """The stack's worker whose process group holds ``pid`` or one of its ancestors."""
    import psutil

    proc = psutil.Process(pid)
    for p in [proc, *proc.parents()]:
        for name, pgid in pgids.items():
            if name.startswith("worker-") and os.getpgid(p.pid) == pgid:
                return name
    return None


def test_a_celery_worker_killed_mid_load_is_retried_and_the_batch_loads_once(stack_env, monkeypatch):
    """SIGKILL of a Celery worker (its whole process group) while a load transaction is open: the scheduler
    finds the task's heartbeat gone, the retry runs on the other worker, each file is loaded exactly once
    and the manifest's accounting holds."""
    from chiso.warehouse import backend, schema

    monkeypatch.setenv("AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT", "20")
    monkeypatch.setenv("AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL", "5")
    wh_url = stack_env["CHISO_STACK_WAREHOUSE"]
    wh = wh_url.rsplit("/", 1)[1]
    monkeypatch.setenv("CHISO_WAREHOUSE", wh_url)
    with backend.connect() as con:  # creates the database and the raw layer before any load
        schema.ensure_raw_schema(con)
    monkeypatch.delenv("CHISO_WAREHOUSE")
    # hold the dossier table: a load's transaction opens, then waits on its COPY until the lock is released
    gate = psycopg.connect(host="127.0.0.1", user="postgres", dbname=wh)
    gate.execute("LOCK TABLE raw.motcua_dossier IN ACCESS EXCLUSIVE MODE")
    sample.generate(settings.incoming_dir(), seed=7, provinces=1, start="2025-06", end="2025-07",
                    dossiers_per_month=60, documents_per_month=15)  # fmt: skip
    files = sorted(p.name for p in (settings.incoming_dir() / "motcua").rglob("*") if p.is_file())
    killed = None
    try:
        stack.up(echo=lambda s: None)
        pgids = stack._read_pids()
        deadline = time.monotonic() + 600
        while killed is None and time.monotonic() < deadline:
            waiting = pg_query(wh, "select client_port from pg_stat_activity where wait_event_type = 'Lock' "
                                   "and query like 'COPY raw.motcua_dossier%%'")  # fmt: skip
            for (port,) in waiting:
                pid = _process_holding(port)
                worker = pid and _worker_of(pid, pgids)
                if worker:
                    os.killpg(pgids[worker], signal.SIGKILL)
                    os.kill(pid, signal.SIGKILL)  # the task process, whatever group it runs in
                    killed = worker
                    break
            time.sleep(0.5)
        assert killed, "no load reached its COPY within 10 minutes"
        gate.rollback()  # the dead client's transaction ends, rolled back; the others go on
        token = stack._token()
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            runs = stack._runs(token, "ingest_motcua")
            if runs and all(r["state"] in ("success", "failed") for r in runs):
                break
            time.sleep(5)
        assert runs and all(r["state"] == "success" for r in runs), [(r["dag_run_id"], r["state"]) for r in runs]
        tries = [
            ti["try_number"]
            for r in runs
            for ti in stack._get(stack.api_url(f"/api/v2/dags/ingest_motcua/dagRuns/{r['dag_run_id']}"
                                               "/taskInstances?task_id=load&limit=100"), token)["task_instances"]
        ]  # fmt: skip
        assert max(tries) >= 2, f"the killed load was not retried: tries {tries}"
    finally:
        gate.close()
        stack.down(echo=lambda s: None)
    manifest = pg_query(wh, "select file_name, status, rows_read, rows_loaded, rows_rejected, batch_id, dataset "
                            "from raw.landing_manifest where source_system = 'motcua'")  # fmt: skip
    assert sorted(m[0].rsplit("/", 1)[-1] for m in manifest) == files, "every one-stop-shop file has one manifest row"
    assert "motcua_dossier" in {m[6] for m in manifest}
    for name, status, read, loaded, rejected, batch, dataset in manifest:
        assert status == "loaded" and read == loaded + rejected, (name, status, read, loaded, rejected)
        (rows,) = pg_query(wh, f"select count(*) from raw.{dataset} where batch_id = %s", [batch])
        assert rows == (loaded,), f"{name}: {rows[0]} rows in raw.{dataset}, {loaded} in the manifest"
