"""Run dbt on the warehouse, in a subprocess (dbt keeps global state; a child process keeps it clean)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from pathlib import Path

from chiso import paths

log = logging.getLogger(__name__)


def dbt_env(target: str = "duckdb") -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("CHISO_WAREHOUSE", str(paths.warehouse_path()))
    env.setdefault("DBT_TARGET_PATH", str(paths.data_dir() / "dbt" / "target"))
    env.setdefault("DBT_LOG_PATH", str(paths.data_dir() / "dbt" / "logs"))
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env["DBT_TARGET"] = target
    return env


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def run(args: list[str], target: str = "duckdb") -> subprocess.CompletedProcess:
    project = paths.dbt_project_dir()
    cmd = [dbt_executable(), *args, "--project-dir", str(project), "--profiles-dir", str(project),
           "--target", target]
    log.info("running %s", " ".join(cmd))
    started = time.monotonic()
    proc = subprocess.run(cmd, env=dbt_env(target), capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        log.info("dbt | %s", line)
    if proc.returncode != 0:
        log.error("dbt failed after %.1fs:\n%s\n%s", time.monotonic() - started, proc.stdout[-8000:],
                  proc.stderr[-4000:])
        raise RuntimeError(f"dbt {' '.join(args)} failed (exit {proc.returncode}); see the task log")
    return proc


def build(target: str = "duckdb", full_refresh: bool = False) -> dict:
    started = time.monotonic()
    args = ["build"] + (["--full-refresh"] if full_refresh else [])
    proc = run(args, target=target)
    tail = [line for line in proc.stdout.splitlines() if "Done. PASS=" in line]
    summary = tail[-1].split("Done. ", 1)[-1] if tail else "done"
    return {"target": target, "seconds": round(time.monotonic() - started, 1), "summary": summary}
