"""Measuring helpers shared by the benchmarks: run a command in a child process, report its wall time and
peak memory, stop it at a time or memory cap; describe the machine.

Peak memory is ``ru_maxrss`` of the child as returned by ``os.wait4`` (Linux: the largest resident set of
the child or of any descendant it waited for — e.g. dbt, run in a grandchild). While the child runs, the
resident memory of its whole process tree is sampled (every 0.2 s) to enforce the memory cap.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GiB = 1 << 30


def machine() -> dict:
    import duckdb

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    return {
        "cores": os.cpu_count(),
        "ram_bytes": mem,
        "ram_gib": round(mem / GiB, 1),
        "cpu_model": cpu,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "platform": platform.platform(),
        "load_average_at_start": load,
    }


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and its descendants (from /proc)."""
    total = 0
    stack = [pid]
    seen = set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for tid in os.listdir(f"/proc/{p}/task"):
                try:
                    with open(f"/proc/{p}/task/{tid}/children") as fh:
                        stack.extend(int(c) for c in fh.read().split())
                except OSError:
                    pass
        except (OSError, ValueError, IndexError):
            pass
    return total


def run(cmd: list[str], *, env: dict | None = None, timeout: float | None = None, mem_cap: int | None = None,
        log_path: Path | None = None, cwd: Path | None = None) -> dict:
    """Run ``cmd``; return {status, seconds, peak_rss_bytes, returncode, stdout_tail}.

    status: ok | failed | timeout (time cap) | memory_cap. On a cap the child's process group is killed."""
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    status = None
    sampled_peak = 0
    rusage = None
    code = None
    while True:
        pid, st, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            rusage, code = ru, os.waitstatus_to_exitcode(st)
            proc.returncode = code
            break
        elapsed = time.perf_counter() - started
        if mem_cap or timeout:
            rss = _tree_rss(proc.pid)
            sampled_peak = max(sampled_peak, rss)
            if mem_cap and rss > mem_cap:
                status = "memory_cap"
            elif timeout and elapsed > timeout:
                status = "timeout"
            if status:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                _, st, ru = os.wait4(proc.pid, 0)
                rusage, code = ru, os.waitstatus_to_exitcode(st)
                proc.returncode = code
                break
        time.sleep(0.2 if (mem_cap or timeout) else 0.05)
    seconds = time.perf_counter() - started
    if log_path:
        out.close()
    peak = max(rusage.ru_maxrss * 1024 if rusage else 0, sampled_peak)
    return {
        "status": status or ("ok" if code == 0 else "failed"),
        "seconds": round(seconds, 3),
        "peak_rss_bytes": int(peak),
        "returncode": code,
    }


def python() -> str:
    return sys.executable


def child_env(**extra: str) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "plugins"), str(REPO / "bench"),
                                                      env.get("PYTHONPATH")]))
    env.setdefault("GX_ANALYTICS_ENABLED", "false")
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env.update({k: str(v) for k, v in extra.items()})
    return env


def median(values: list[float]) -> float:
    v = sorted(values)
    n = len(v)
    if not n:
        return float("nan")
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def gib(b: float | None) -> str:
    return "—" if b is None else f"{b / GiB:.2f} GiB"


def dump(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    tmp.write_text(json.dumps(obj, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)
