"""Drive Airflow from the command line: initialise it and run every DAG through Airflow in order.

``make run`` calls ``chiso run``: Airflow (SQLite metadata under ``.airflow/``) runs each DAG with
``airflow dags test`` — the real scheduler code path for one run, in one process — in dependency order:
the ingestion DAGs (two at a time), then the Asset-scheduled build DAG. The commands run in Airflow processes
that each run several of them (chiso.orchestration.airflow_session): Airflow is imported once a lane.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from chiso import settings
from chiso.contracts.exports import SOURCE_SYSTEMS
from chiso.orchestration.airflow_session import END as SESSION_END

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


def airflow_executable() -> str:
    candidate = Path(sys.executable).with_name("airflow")
    return str(candidate) if candidate.exists() else "airflow"


class AirflowSession:
    """An Airflow process that runs ``airflow`` commands one after another (chiso.orchestration.airflow_session):
    Airflow, its providers and chiso are imported once, not once per command (about 5 s each on two cores)."""

    def __init__(self, env: dict[str, str] | None = None) -> None:
        env = dict(env or airflow_env())
        env["PYTHONUNBUFFERED"] = "1"  # its lines as they come, in order
        self.proc = subprocess.Popen([sys.executable, "-m", "chiso.orchestration.airflow_session"], env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, bufsize=1)

    def command(self, args: list[str], out: TextIO, on_line: Callable[[str], None] | None = None) -> int:
        """Run ``airflow ARGS`` in the process; its output goes to ``out`` (and each line to ``on_line``).
        Returns the command's exit code."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(args) + "\n")
        self.proc.stdin.flush()
        for line in self.proc.stdout:
            if line.startswith(SESSION_END):
                return int(line.split()[-1])
            out.write(line)
            if on_line:
                on_line(line)
        raise RuntimeError(f"the Airflow process ended during `airflow {' '.join(args)}` (exit {self.proc.wait()})")

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> AirflowSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def init(echo=print) -> None:
    env = airflow_env()
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    log_dir = settings.logs_dir()
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / "airflow-init.log", "w") as fh, AirflowSession() as session:
        for cmd in (
            ["db", "migrate"],
            ["pools", "set", "warehouse_writer", "1", "DuckDB takes one writer at a time"],
        ):
            if session.command(cmd, fh) != 0:
                raise RuntimeError(f"{' '.join(cmd)} failed; see {log_dir / 'airflow-init.log'}")
    echo(f"  Airflow metadata ready in {env['AIRFLOW_HOME']} (pool warehouse_writer: 1 slot)")


_TASK_END = re.compile(r"\[DAG TEST\] end task task_id=(\S+) map_index=(-?\d+)")
_TASK_START = re.compile(r"\[DAG TEST\] starting task_id=")
_RUN_DONE = re.compile(r"DagRun Finished: dag_id=(\S+),.*state=(\w+)")


def test_dag(session: AirflowSession, dag_id: str, echo=print, starting: threading.Lock | None = None) -> str:
    """``airflow dags test DAG`` in ``session``; a line per finished task; full log in data/logs/<dag>.log.
    ``starting``: held from the run's start until its first task starts (or the run ends), so that runs started
    side by side do not set themselves up in the metadata at the same moment (the DAG's and its bundle's rows,
    the run and its task instances); their tasks then run side by side."""
    log_path = settings.logs_dir() / f"{dag_id}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    held = starting is not None and starting.acquire()
    started = time.monotonic()
    state = "unknown"

    def on_line(line: str) -> None:
        nonlocal held, state
        if held and _TASK_START.search(line):
            starting.release()
            held = False
        if m := _TASK_END.search(line):
            idx = f"[{m.group(2)}]" if m.group(2) != "-1" else ""
            echo(f"    ✓ {dag_id}.{m.group(1)}{idx}  ({time.monotonic() - started:5.1f}s)")
        elif m := _RUN_DONE.search(line):
            state = m.group(2)

    try:
        with open(log_path, "w") as fh:
            code = session.command(["dags", "test", dag_id], fh, on_line)
    finally:
        if held:
            starting.release()
    if code != 0 or state != "success":
        raise RuntimeError(f"DAG {dag_id} ended {state} (exit {code}); log: {log_path}")
    return state


def run_dag(dag_id: str, echo=print) -> str:
    """One DAG run (``airflow dags test DAG``) in an Airflow process of its own."""
    with AirflowSession() as session:
        return test_dag(session, dag_id, echo=echo)


# The ingestion DAGs do not depend on each other (the build reads what all of them loaded), so on two cores or
# more two of them run at a time, side by side as Airflow's scheduler would run them, the portal's (about 2,000
# small files: the longest) first. DuckDB's writers wait for each other on the file's lock; one run at a time
# sets itself up in the SQLite metadata (until its first task ended).
LONGEST_INGEST = "ingest_dvc"


def ingest_order() -> list[str]:
    return sorted(INGEST_DAGS, key=lambda d: d != LONGEST_INGEST)


def _parse_dbt_project(echo) -> None:
    """dbt parses the project on a core the ingestion left idle, so that the build starts from the parse (the
    warehouse's partial_parse.msgpack) instead of making it: a first run on a new checkout saves the 3-5 s of
    a full parse. A failure only costs the build that parse."""
    from chiso.warehouse import dbt

    started = time.monotonic()
    try:
        dbt.run(["parse"])
    except Exception as exc:  # noqa: BLE001 - the build parses the project itself
        echo(f"    (dbt parse ahead of the build failed: {exc}; the build parses the project)")
        return
    echo(f"    ✓ dbt parse ahead of the build  ({time.monotonic() - started:5.1f}s)")


def run_all(echo=print, side_by_side: int | None = None) -> None:
    """Every ingestion DAG, ``side_by_side`` at a time (two on two cores or more), then the build DAG. Each lane
    is one Airflow process that runs its DAGs one after another; the build runs in the first lane's process
    once every ingestion run has ended."""
    import queue

    side_by_side = side_by_side or min(2, os.cpu_count() or 1)
    todo: queue.SimpleQueue[str] = queue.SimpleQueue()
    for dag_id in ingest_order():
        todo.put(dag_id)
    errors: list[BaseException] = []
    printing, starting, idle = threading.Lock(), threading.Lock(), threading.Lock()

    def say(line: str) -> None:
        with printing:  # whole lines, whichever run they come from
            echo(line)

    def lane(session: AirflowSession) -> None:
        while True:
            try:
                dag_id = todo.get_nowait()
            except queue.Empty:
                if idle.acquire(blocking=False):  # the first lane out of work, while the other still ingests
                    _parse_dbt_project(say)
                return
            say(f"  ▶ {dag_id}")
            try:
                test_dag(session, dag_id, echo=say, starting=starting)
            except BaseException as exc:  # noqa: BLE001 - reported once every run has ended
                errors.append(exc)

    sessions = [AirflowSession() for _ in range(side_by_side)]
    try:
        threads = [threading.Thread(target=lane, args=(s,), name=f"chiso-run-{i}") for i, s in enumerate(sessions)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for s in sessions[1:]:
            s.close()
        if errors:
            raise errors[0]
        echo(f"  ▶ {BUILD_DAG}")
        test_dag(sessions[0], BUILD_DAG, echo=echo)
    finally:
        for s in sessions:
            s.close()
