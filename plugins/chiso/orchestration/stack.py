"""The production stack on this machine, without containers: ``make stack`` / ``make stack-down``.

Airflow's api-server, scheduler, dag-processor, triggerer and two Celery workers, Airflow's metadata in
PostgreSQL, Redis as the broker, the warehouse in PostgreSQL (database ``chiso`` by default, read by
``chiso_reader``). :data:`COMPONENTS` and :func:`stack_env` are the one definition of the stack: the
docker-compose deployment's services and environment are checked against them (tests/deploy/test_stack.py).

Every component is started in a session of its own, its process id kept in ``$CHISO_STACK_HOME/stack.json``;
``down()`` stops each one's process group (a Celery worker's pool processes included): SIGTERM, then
SIGKILL after a grace period. ``run()`` (``chiso run --stack``) triggers the ingestion DAGs through the REST
API, waits for them and for the Asset-triggered build, and prints the progress table.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from chiso import settings
from chiso.orchestration import airflow_runner

WORKERS = 2
WORKER_CONCURRENCY = 2
POOL_SLOTS_WAREHOUSE_WRITER = 1

# component name -> airflow sub-command (the compose file's services run the same commands)
COMPONENTS: dict[str, list[str]] = {
    "api-server": ["api-server", "--host", "127.0.0.1"],
    "scheduler": ["scheduler"],
    "dag-processor": ["dag-processor"],
    "triggerer": ["triggerer"],
    **{
        f"worker-{i}": [
            "celery",
            "worker",
            "--concurrency",
            str(WORKER_CONCURRENCY),
            "--celery-hostname",
            f"worker{i}@%h",
        ]
        for i in range(1, WORKERS + 1)
    },
}

# environment every component shares (values independent of this machine; the compose file sets the same keys)
SHARED_ENV_KEYS = (
    "AIRFLOW__CORE__EXECUTOR",
    "AIRFLOW__CORE__AUTH_MANAGER",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
    "AIRFLOW__CELERY__BROKER_URL",
    "AIRFLOW__CELERY__RESULT_BACKEND",
    "AIRFLOW__CORE__FERNET_KEY",
    "AIRFLOW__API__SECRET_KEY",
    "AIRFLOW__API_AUTH__JWT_SECRET",
    "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
    "AIRFLOW__CORE__LOAD_EXAMPLES",
    "AIRFLOW__CORE__DEFAULT_TIMEZONE",
    "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK",
    "CHISO_WAREHOUSE",
)


def _secrets() -> dict[str, str]:
    """The stack's own secrets (Fernet key, API secret, JWT secret), made once, kept beside its config."""
    path = settings.stack_home() / "secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    from cryptography.fernet import Fernet

    values = {
        "fernet": Fernet.generate_key().decode(),
        "api": secrets.token_urlsafe(32),
        "jwt": secrets.token_urlsafe(64),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(values))
    path.chmod(0o600)
    return values


def _sqlalchemy(url: str) -> str:
    return "postgresql+psycopg2://" + url.split("://", 1)[1]


def stack_env() -> dict[str, str]:
    env = airflow_runner.airflow_env()
    keys = _secrets()
    meta = settings.stack_metadata_db()
    port = settings.stack_api_port()
    env.update(
        {
            "AIRFLOW_HOME": str(settings.stack_home()),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            # the local stack answers on 127.0.0.1 only; the shared deployment uses the FAB auth manager
            "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": _sqlalchemy(meta),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": "postgresql+psycopg://" + meta.split("://", 1)[1],
            "AIRFLOW__CELERY__BROKER_URL": settings.stack_broker_url(),
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + _sqlalchemy(meta),
            "AIRFLOW__CORE__FERNET_KEY": keys["fernet"],
            "AIRFLOW__API__SECRET_KEY": keys["api"],
            "AIRFLOW__API_AUTH__JWT_SECRET": keys["jwt"],
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "True",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT": str(port + 1),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(settings.logs_dir() / "airflow"),
            "CHISO_WAREHOUSE": settings.stack_warehouse(),
        }
    )
    return env


def _pids_file() -> Path:
    return settings.stack_home() / "stack.json"


def _create_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    ) as con:
        if not con.execute("select 1 from pg_database where datname = %s", [name]).fetchone():
            con.execute(f'create database "{name}"')


def _read_pids() -> dict[str, int]:
    """The running stack's components: name → process id (= process group id)."""
    return json.loads(_pids_file().read_text()) if _pids_file().exists() else {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _get(url: str, token: str | None = None, method: str = "GET", body: dict | None = None) -> dict:
    req = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"{}")


def api_url(path: str) -> str:
    return f"http://127.0.0.1:{settings.stack_api_port()}{path}"


def up(echo=print, wait_seconds: float = 300) -> None:
    """Create the metadata and warehouse databases, migrate, start every component, wait for the API."""
    if _pids_file().exists() and any(_alive(p) for p in json.loads(_pids_file().read_text()).values()):
        raise RuntimeError(f"the stack is already running ({_pids_file()}); `make stack-down` first")
    env = stack_env()
    home = settings.stack_home()
    home.mkdir(parents=True, exist_ok=True)
    logs = settings.logs_dir() / "stack"
    logs.mkdir(parents=True, exist_ok=True)
    _create_database(settings.stack_metadata_db())
    _create_database(env["CHISO_WAREHOUSE"])
    from chiso.orchestration.dag_factory import WAREHOUSE_POOL

    with open(logs / "init.log", "w") as fh, airflow_runner.AirflowSession(env) as session:
        for cmd in (
            ["db", "migrate"],
            [
                "pools",
                "set",
                WAREHOUSE_POOL,
                str(POOL_SLOTS_WAREHOUSE_WRITER),
                "dbt builds and freshness checks, one at a time",
            ],
        ):
            if session.command(cmd, fh) != 0:
                raise RuntimeError(f"airflow {cmd[0]} failed; see {logs / 'init.log'}")
    pids = {}
    for i, (name, cmd) in enumerate(COMPONENTS.items()):
        # each component's log server (workers, triggerer) on a port of its own beside the API's
        own = {
            **env,
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(settings.stack_api_port() + 10 + i),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(settings.stack_api_port() + 20 + i),
        }
        with open(logs / f"{name}.log", "w") as fh:
            proc = subprocess.Popen(
                [airflow_runner.airflow_executable(), *cmd],
                env=own,
                stdout=fh,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        pids[name] = proc.pid
        _pids_file().write_text(json.dumps(pids))
        echo(f"  started {name} (pid {proc.pid}, log {logs / (name + '.log')})")
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            health = _get(api_url("/api/v2/monitor/health"))
            if health.get("scheduler", {}).get("status") == "healthy":
                break
        except OSError:
            pass
        dead = [n for n, p in pids.items() if not _alive(p)]
        if dead or time.monotonic() > deadline:
            down(echo=lambda s: None)
            raise RuntimeError(f"the stack did not come up ({', '.join(dead) or 'timeout'}); logs in {logs}")
        time.sleep(2)
    where = urlsplit(env["CHISO_WAREHOUSE"])
    echo(
        f"  stack up: http://127.0.0.1:{settings.stack_api_port()}; warehouse database {where.path.lstrip('/')} "
        f"on {where.hostname}:{where.port or 5432}"
    )


def down(echo=print, grace_seconds: float = 60) -> list[str]:
    """Stop every component started by :func:`up` (its whole process group); returns those stopped."""
    if not _pids_file().exists():
        echo("  the stack is not running")
        return []
    pids: dict[str, int] = json.loads(_pids_file().read_text())
    for pid in pids.values():
        if _group_alive(pid):
            os.killpg(pid, signal.SIGTERM)  # the session leader's group: the component and its children
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline:
        for pid in pids.values():
            _reap(pid)
        if not any(_group_alive(p) for p in pids.values()):
            break
        time.sleep(0.5)
    for pid in pids.values():
        if _group_alive(pid):
            os.killpg(pid, signal.SIGKILL)
        _reap(pid)
    _pids_file().unlink()
    echo(f"  stopped {', '.join(pids)}")
    return list(pids)


def _group_alive(pgid: int) -> bool:
    return bool(group_members(pgid))


def _reap(pid: int) -> None:
    """Collect a component that is this process's own child (``up()`` and ``down()`` in one process)."""
    with contextlib.suppress(ChildProcessError):  # else started by `chiso stack up`: init collects it
        os.waitpid(pid, os.WNOHANG)


def group_members(pgid: int) -> list[int]:
    """Live processes (zombies aside) still in a component's process group: after ``down()``, none."""
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            # /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces and parentheses
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            out.append(int(d.name))
    return out


def _token() -> str:
    return _get(api_url("/auth/token"))["access_token"]


def _runs(token: str, dag_id: str) -> list[dict]:
    return _get(api_url(f"/api/v2/dags/{dag_id}/dagRuns?limit=100&order_by=-run_after"), token)["dag_runs"]


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def run(echo=print, wait_seconds: float = 3600) -> dict[str, str]:
    """Trigger the ingestion DAGs, wait for them and for the build they cause; returns DAG → final state."""
    token = _token()
    started = datetime.now(UTC)
    runs = {}
    for dag_id in [*airflow_runner.INGEST_DAGS, airflow_runner.BUILD_DAG]:
        _get(api_url(f"/api/v2/dags/{dag_id}"), token, "PATCH", {"is_paused": False})
    for dag_id in airflow_runner.INGEST_DAGS:
        run_ = _get(api_url(f"/api/v2/dags/{dag_id}/dagRuns"), token, "POST", {"logical_date": None})
        runs[dag_id] = run_["dag_run_id"]
        echo(f"  ▶ triggered {dag_id} ({run_['dag_run_id']})")
    deadline = time.monotonic() + wait_seconds
    states: dict[str, str] = {}
    while time.monotonic() < deadline:
        for dag_id, run_id in runs.items():
            state = _get(api_url(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}"), token)["state"]
            if state != states.get(dag_id):
                echo(f"    {dag_id}: {state}")
                states[dag_id] = state
        if all(states.get(d) in ("success", "failed") for d in runs):
            break
        time.sleep(3)
    failed = [d for d in runs if states.get(d) != "success"]
    if failed:
        raise RuntimeError(f"ingestion did not succeed: {', '.join(failed)}; logs in {settings.logs_dir()}")
    # the build: Asset-triggered by the ingestion runs' events. Done when a build created after the last
    # ingestion run's event has ended and no other build is pending (twice in a row, 10 s apart).
    last_event = max(
        _when(_get(api_url(f"/api/v2/dags/{d}/dagRuns/{r}"), token)["end_date"]) for d, r in runs.items()
    ) - timedelta(seconds=30)
    build_state, settled = None, 0
    while time.monotonic() < deadline:
        builds = [r for r in _runs(token, airflow_runner.BUILD_DAG) if _when(r["run_after"]) >= started]
        done = builds and all(r["state"] in ("success", "failed") for r in builds)
        done = done and max(_when(r["run_after"]) for r in builds) >= last_event
        settled = settled + 1 if done else 0
        if settled >= 2:
            build_state = "success" if all(r["state"] == "success" for r in builds) else "failed"
            break
        time.sleep(10 if done else 3)
    echo(f"    {airflow_runner.BUILD_DAG}: {build_state}")
    if build_state != "success":
        raise RuntimeError(f"the build ended {build_state}; logs in {settings.logs_dir()}")
    states[airflow_runner.BUILD_DAG] = build_state
    return states
