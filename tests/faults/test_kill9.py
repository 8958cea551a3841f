"""Fault injection: ``kill -9`` of a whole ingestion run at random moments of every stage (land, parse,
validate, load), each followed by an ordinary run, must leave the warehouse exactly as one uninterrupted run
does: the raw rows of every dataset, the rejected rows and the landing manifest, in every trial. The marts
(built by dbt from these alone) are built and compared, every relation row for row, for the last trial whose
run was killed mid-way and for the uninterrupted run: a build costs a minute, a trial a few seconds.

The seed is printed (``-s`` shows it; it is also in the failure message): ``FAULTS_SEED=<seed>`` replays
a failure. ``FAULTS_TRIALS`` sets the number of trials (default 20, at least 5 per stage).
"""

from __future__ import annotations

import importlib.util
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import chiso_sample as sample
import duckdb
import pytest
from chiso import contracts

RUNNER = Path(__file__).with_name("run_ingest.py")
_SPEC = importlib.util.spec_from_file_location(
    "mart_snapshot", Path(__file__).resolve().parents[2] / "tools" / "mart_snapshot.py"
)
mart_snapshot = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(mart_snapshot)  # tools/mart_snapshot.py: one snapshot and comparison of the marts
STAGES = ("land", "parse", "validate", "load")
SEED = int(os.environ.get("FAULTS_SEED") or random.SystemRandom().randrange(1 << 30))  # noqa: S311
TRIALS = int(os.environ.get("FAULTS_TRIALS") or "20")


def _env(data: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHISO_")}
    env.update(CHISO_DATA_DIR=str(data), CHISO_PII_KEY="fault-suite-key-not-a-secret")
    return env


def _start(data: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(RUNNER)],
        env=_env(data),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )


def _run_to_end(data: Path) -> dict[str, float]:
    proc = _start(data)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, f"an ordinary run failed (exit {proc.returncode}):\n{out}"
    times: dict[str, float] = {}
    for line in out.splitlines():
        if line.startswith("STAGE "):
            _, name, t = line.split()
            times.setdefault(name, float(t))
    return times


def _build_marts(data: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "from chiso.warehouse import dbt; print(dbt.build()['summary'])"],
        env=_env(data), capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0 and "ERROR=0" in proc.stdout, proc.stdout[-3000:] + proc.stderr[-3000:]


def _windows(data: Path) -> dict[str, list[tuple[float, float]]]:
    """When each stage ran in an uninterrupted run: stage → [(start, end)] (seconds since the run began)."""
    proc = _start(data)
    out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out
    marks = [(ln.split()[1], float(ln.split()[2])) for ln in out.splitlines() if ln.startswith("STAGE ")]
    windows: dict[str, list[tuple[float, float]]] = {s: [] for s in STAGES}
    for (name, t), (_, t_next) in zip(marks, marks[1:], strict=False):
        windows[name].append((t, t_next))
    return windows


def snapshot(data: Path) -> dict[str, list[tuple]]:
    """What must be identical: every raw dataset's rows, the rejected rows, the manifest (timestamps of when
    a row was written left out: they are the only thing that may differ)."""
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        out = {}
        for dataset in contracts.DATASETS:
            out[dataset] = sorted(con.execute(f"select * from raw.{dataset}").fetchall(), key=repr)
        out["rejected_row"] = sorted(con.execute("select * from raw.rejected_row").fetchall(), key=repr)
        out["landing_manifest"] = sorted(
            con.execute(
                "select batch_id, file_sha256, source_system, format, dataset, file_name, size_bytes, supersede_key, "
                "period_start, period_end, rows_read, rows_loaded, rows_rejected, status, superseded_by, error "
                "from raw.landing_manifest"
            ).fetchall(),
            key=repr,
        )
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    incoming = root / "incoming"
    sample.generate(
        incoming,
        seed=3,
        provinces=1,
        start="2025-07",
        end="2025-07",
        dossiers_per_month=30,
        documents_per_month=8,
    )
    # one 766 group of the six: every format is still there, and a trial stays a few seconds
    for group in incoming.glob("dvc/*/766/*/"):
        if group.name != "transparency":
            shutil.rmtree(group)
    return root


def _fresh(template: Path, where: Path) -> Path:
    data = where / "data"
    shutil.copytree(template / "incoming", data / "incoming", symlinks=True)
    return data


def test_kill_9_at_any_moment_then_a_normal_run_equals_an_uninterrupted_run(template, tmp_path):
    print(f"\nfault-injection seed {SEED} (replay: FAULTS_SEED={SEED}), {TRIALS} trials")
    rng = random.Random(SEED)
    reference = _fresh(template, tmp_path / "reference")
    windows = _windows(reference)
    expected = snapshot(reference)
    assert expected["landing_manifest"] and all(expected[d] is not None for d in contracts.DATASETS)
    assert any(expected[d] for d in contracts.DATASETS)
    survived, kills, report, began = 0, 0, [], time.monotonic()
    last_killed = None
    for trial in range(TRIALS):
        stage = STAGES[trial % len(STAGES)]
        # one of the stage's occurrences in the uninterrupted run, and a moment inside it, measured from when
        # this run reaches that occurrence (not from its start: a run a little faster than the reference would
        # be over before an absolute moment came)
        k = rng.randrange(len(windows[stage]))
        start, end = windows[stage][k]
        offset = rng.uniform(0.0, end - start)
        data = _fresh(template, tmp_path / f"trial{trial}")
        proc = _start(data)
        reached = 0
        for line in proc.stdout:
            if line.startswith("STAGE ") and line.split()[1] == stage:
                if reached == k:
                    break
                reached += 1
        time.sleep(offset)
        killed = proc.poll() is None
        if killed:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        _run_to_end(data)  # an ordinary run afterwards
        got = snapshot(data)
        diff = [k for k in expected if expected[k] != got[k]]
        report.append(
            f"trial {trial}: kill in {stage} (occurrence {k + 1} of {len(windows[stage])}) {offset:.2f}s after it "
            f"began ({'killed' if killed else 'had ended'}): "
            + ("same warehouse" if not diff else f"DIFFERS in {diff}")
        )
        survived += not diff
        kills += killed
        print(report[-1], flush=True)
        if killed:
            if last_killed is not None:
                shutil.rmtree(last_killed, ignore_errors=True)
            last_killed = data
        else:
            shutil.rmtree(data, ignore_errors=True)
    print(
        f"fault injection: {survived} of {TRIALS} trials survived, {kills} killed mid-run (the others ended before "
        f"the chosen moment), seed {SEED}, {time.monotonic() - began:.0f} s"
    )
    assert survived == TRIALS, f"seed {SEED}:\n" + "\n".join(report)
    assert kills >= TRIALS // 2, (
        f"seed {SEED}: too few runs were killed mid-run to mean anything:\n" + "\n".join(report)
    )
    # the marts of the last killed trial against the uninterrupted run's
    for data in (reference, last_killed):
        _build_marts(data)
        mart_snapshot.snapshot(data / "warehouse.duckdb", data.parent / "marts")
    compared = mart_snapshot.compare(reference.parent / "marts", last_killed.parent / "marts")
    assert compared and "mart_kpi_progress" in compared
    assert all(c["status"] == "identical" for c in compared.values()), (
        f"seed {SEED}: marts differ after a kill: "
        + str({k: v for k, v in compared.items() if v["status"] != "identical"})
    )
