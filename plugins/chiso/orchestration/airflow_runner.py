"""Drive Airflow from the command line: initialise it and run every DAG through Airflow in order.

``make run`` calls ``chiso run``: Airflow (SQLite metadata under ``.airflow/``) runs each DAG with
``airflow dags test`` — the real scheduler code path for one run, in one process — in dependency order:
the ingestion DAGs (in two lanes side by side), then the Asset-scheduled build DAG.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from chiso import settings
from chiso.contracts.exports import SOURCE_SYSTEMS

INGEST_DAGS = [f"ingest_{s}" for s in SOURCE_SYSTEMS]  # one per source system (dags/ingest_<source>.py)
BUILD_DAG = "build_warehouse"


def airflow_env() -> dict[str, str]:
    env = dict(os.environ)
    root = settings.REPO_ROOT
    env.setdefault("AIRFLOW_HOME", str(root / ".airflow"))
    env.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(root / "dags"))
    env.setdefault("AIRFLOW__CORE__PLUGINS_FOLDER", str(root / "plugins"))
    env.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    env.setdefault("AIRFLOW__CORE__DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
    env.setdefault("AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION", "False")
    env.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "INFO")
    env.setdefault("GX_ANALYTICS_ENABLED", "false")
    env.setdefault("CHISO_DATA_DIR", str(settings.data_dir()))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root / "plugins"), env.get("PYTHONPATH")]))
    # `airflow standalone` starts its components as `airflow …` subprocesses: the environment's bin first
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def _airflow() -> str:
    candidate = Path(sys.executable).with_name("airflow")
    return str(candidate) if candidate.exists() else "airflow"


def init(echo=print) -> None:
    env = airflow_env()
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    log_dir = settings.logs_dir()
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / "airflow-init.log", "w") as fh:
        for cmd in (
            [_airflow(), "db", "migrate"],
            [_airflow(), "pools", "set", "warehouse_writer", "1", "DuckDB takes one writer at a time"],
        ):
            proc = subprocess.run(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT)
            if proc.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd[1:])} failed; see {log_dir / 'airflow-init.log'}")
    echo(f"  Airflow metadata ready in {env['AIRFLOW_HOME']} (pool warehouse_writer: 1 slot)")


_TASK_END = re.compile(r"\[DAG TEST\] end task task_id=(\S+) map_index=(-?\d+)")
_TASK_FAIL = re.compile(r"Task failed|Marking task as FAILED|task_id=(\S+).*state[=:] ?failed", re.IGNORECASE)
_RUN_DONE = re.compile(r"DagRun Finished: dag_id=(\S+),.*state=(\w+)")


def run_dag(dag_id: str, echo=print, first_task_ended: threading.Event | None = None) -> str:
    """``airflow dags test DAG``; stream a line per finished task; full log in data/logs/<dag>.log.
    ``first_task_ended`` is set once the run has started (its first task ended) or ended."""
    env = airflow_env()
    log_path = settings.logs_dir() / f"{dag_id}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    state = "unknown"
    with open(log_path, "w") as fh:
        proc = subprocess.Popen([_airflow(), "dags", "test", dag_id], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, bufsize=1)
        assert proc.stdout is not None
        for line in proc.stdout:
            fh.write(line)
            if m := _TASK_END.search(line):
                if first_task_ended is not None:
                    first_task_ended.set()
                idx = f"[{m.group(2)}]" if m.group(2) != "-1" else ""
                echo(f"    ✓ {dag_id}.{m.group(1)}{idx}  ({time.monotonic() - started:5.1f}s)")
            elif m := _RUN_DONE.search(line):
                state = m.group(2)
        proc.wait()
    if first_task_ended is not None:
        first_task_ended.set()
    if proc.returncode != 0 or state != "success":
        raise RuntimeError(f"DAG {dag_id} ended {state} (exit {proc.returncode}); log: {log_path}")
    return state


# The ingestion DAGs do not depend on each other (the build reads what all of them loaded), so on two cores or
# more they run in two lanes, side by side as Airflow's scheduler would run them: the portal's (about 2,000
# small files) in one, the others one after another in the other. DuckDB's writers wait for each other on the
# file's lock. A lane starts once the other's run has started (its first task ended): two `airflow dags test`
# starting at the same moment would both write the DAG bundle's row of the SQLite metadata.
HEAVY_INGEST = "ingest_dvc"


def ingest_lanes(cores: int | None = None) -> list[list[str]]:
    cores = cores if cores is not None else (os.cpu_count() or 1)
    if cores < 2 or HEAVY_INGEST not in INGEST_DAGS:
        return [list(INGEST_DAGS)]
    return [[HEAVY_INGEST], [d for d in INGEST_DAGS if d != HEAVY_INGEST]]


def run_all(echo=print) -> None:
    lanes = ingest_lanes()
    errors: list[BaseException] = []
    started = [threading.Event() for _ in lanes]

    def lane(i: int) -> None:
        if i:
            started[i - 1].wait()
        try:
            for n, dag_id in enumerate(lanes[i]):
                echo(f"  ▶ {dag_id}")
                run_dag(dag_id, echo=echo, first_task_ended=started[i] if n == 0 else None)
        except BaseException as exc:  # noqa: BLE001 - reported after every lane has ended
            errors.append(exc)
        finally:
            started[i].set()

    threads = [threading.Thread(target=lane, args=(i,), name=f"chiso-lane-{i}") for i in range(len(lanes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    echo(f"  ▶ {BUILD_DAG}")
    run_dag(BUILD_DAG, echo=echo)
