"""Run dbt on the warehouse, in a subprocess (dbt keeps global state; a child process keeps it clean).

``build()`` is incremental by default: it selects the models downstream of what was loaded since the last
successful build (the landing manifest and the source systems that loaded a batch: ``_selection``), the
large models among them (int_dossier_latest, int_document_latest, the monthly measures; fct_dossier and
fct_document are views over the first two) rebuild only the rows those loads touched, and it skips what only a
change of the project can change (``INCREMENTAL_ARGS``). It runs with
``--full-refresh`` by itself when the dbt project (models, macros, seeds, tests, dbt_project.yml) differs from
the one of the last successful build on that target, so that a changed rule or reference seed is applied to the
whole history, never to new rows only. State: ``data/dbt/build_state.json``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from chiso import settings
from chiso.util.files import write_whole

log = logging.getLogger(__name__)


def default_target() -> str:
    """dbt's target: the warehouse's dialect (``CHISO_WAREHOUSE``)."""
    return settings.warehouse_dialect()


def _duckdb_file() -> Path | None:
    """The DuckDB warehouse dbt opens, None on PostgreSQL. dbt is given the file's name and runs from its folder
    (``dbt_env`` and ``run``): the profile dbt hashes is then the same for every warehouse of that name, so that a
    new warehouse reuses the project's parse."""
    return None if settings.warehouse_dialect() == "postgres" else settings.warehouse_path()


def dbt_env(target: str | None = None) -> dict[str, str]:
    target = target or default_target()
    env = dict(os.environ)
    duckdb_file = _duckdb_file()
    if duckdb_file is None:
        # the profile's postgres output reads CHISO_PG_*: the warehouse's URL decides them
        pg = settings.warehouse_postgres()
        env.update({"CHISO_PG_HOST": pg["host"], "CHISO_PG_PORT": pg["port"], "CHISO_PG_USER": pg["user"],
                    "CHISO_PG_PASSWORD": pg["password"], "CHISO_PG_DATABASE": pg["dbname"]})
    else:
        env["CHISO_WAREHOUSE"] = duckdb_file.name
    env.setdefault("DBT_TARGET_PATH", str(settings.dbt_state_dir() / "target"))
    env.setdefault("DBT_LOG_PATH", str(settings.dbt_state_dir() / "logs"))
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    env["DBT_TARGET"] = target
    return env


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def run(args: list[str], target: str | None = None) -> subprocess.CompletedProcess:
    target = target or default_target()
    project = settings.dbt_project_dir()
    cmd = [dbt_executable(), *args, "--project-dir", str(project), "--profiles-dir", str(project),
           "--target", target]
    log.info("running %s", " ".join(cmd))
    started = time.monotonic()
    env = dbt_env(target)
    duckdb_file = _duckdb_file()
    workdir = duckdb_file.parent if duckdb_file is not None else None
    if workdir is not None:
        workdir.mkdir(parents=True, exist_ok=True)
    parsed = Path(env["DBT_TARGET_PATH"]) / "partial_parse.msgpack"
    _reuse_parse(parsed, target)
    proc = subprocess.run(cmd, env=env, cwd=workdir, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        log.info("dbt | %s", line)
    if proc.returncode != 0:
        log.error("dbt failed after %.1fs:\n%s\n%s", time.monotonic() - started, proc.stdout[-8000:],
                  proc.stderr[-4000:])
        raise RuntimeError(f"dbt {' '.join(args)} failed (exit {proc.returncode}); see the task log")
    _keep_parse(parsed, target)
    return proc


# dbt parses the project (~3 s of a build's start; a second build reads its partial_parse.msgpack instead). The
# parse depends on the project, the profile and dbt's version, not on the data, so a warehouse whose target
# folder has none (a new one) starts from the last parse of the same project and target, kept in
# CHISO_DBT_PARSE_CACHE. dbt checks what it is given (file hashes, profile, variables, version) and parses again
# when anything differs, so the copy can be stale without harm. Copies keep the file's time: a parse is kept
# when dbt wrote a newer one.
def _parse_cache(target: str) -> Path:
    project = hashlib.sha256(str(settings.dbt_project_dir()).encode()).hexdigest()[:16]
    return settings.dbt_parse_cache_dir() / f"dbt-{target}-{project}.msgpack"


def _reuse_parse(parsed: Path, target: str) -> None:
    cache = _parse_cache(target)
    if parsed.exists() or not cache.exists():
        return
    try:
        parsed.parent.mkdir(parents=True, exist_ok=True)
        write_whole(parsed, lambda tmp: shutil.copy2(cache, tmp), 0o600)
    except OSError as exc:
        log.info("dbt's kept parse not reused (%s): dbt parses the project", exc)


def _keep_parse(parsed: Path, target: str) -> None:
    cache = _parse_cache(target)
    try:
        if parsed.exists() and (not cache.exists() or parsed.stat().st_mtime_ns > cache.stat().st_mtime_ns):
            cache.parent.mkdir(parents=True, exist_ok=True)
            write_whole(cache, lambda tmp: shutil.copy2(parsed, tmp), 0o600)
    except OSError as exc:
        log.info("dbt's parse not kept for the next warehouse (%s)", exc)


# The unit tests check SQL logic, not data: they run in the test suite (`make test`: tests/dbt builds the
# project with them) and not in the pipeline's builds (31 of them took 8 s of a first build's 33 s on the
# sample). No pipeline build runs the raw-layer tests (tag raw_scan: they repeat, over the whole history, checks
# the gate ran on each batch at load time; the daily full test run has them). A build on an unchanged project
# (the incremental build) also leaves out what only a change of the project can change, since every such change
# runs a full refresh: the seeds with their tests, and the staging views (views over the raw tables alone,
# never replaced between full refreshes; their data tests are raw-layer checks for the daily run), and what is
# not downstream of the loads since the last build (a day of dossiers leaves out the plans' targets, the 766
# scores, the unit and calendar dimensions): 64 nodes instead of a full build's 116 on a day of dossiers, at
# dbt's ~20–30 ms a node. The tests of the large incremental tables read only the rows this build wrote (macro
# get_where_subquery, placeholder __chiso_changed_rows__; no --vars, which would defeat dbt's partial parsing).
#
# A pipeline build tests keys (one `keys` test a node: its not-null columns and unique combinations) and the
# custom checks; the data tests that re-check rules over the whole history — accepted values, relationships,
# row expressions, singular tests — run once a day in the full test run (`full_test`, DAG dq_full_tests) and in
# the test suite.
_NO_UNIT_TESTS = ["--exclude-resource-type", "unit_test"]
SCHEDULED_TESTS = ["test_name:accepted_values", "test_name:relationships", "test_name:expression_is_true",
                   "test_type:singular"]
FULL_REFRESH_ARGS = ["--full-refresh", *_NO_UNIT_TESTS, "--exclude", "tag:raw_scan", *SCHEDULED_TESTS]
INCREMENTAL_ARGS = [
    *_NO_UNIT_TESTS,
    "--exclude", "resource_type:seed", "path:models/staging", "tag:raw_scan", *SCHEDULED_TESTS,
]
FULL_TEST_ARGS = ["test", *_NO_UNIT_TESTS]


def project_fingerprint() -> str:
    """SHA-256 over the dbt project's files that decide what the models contain."""
    project = settings.dbt_project_dir()
    digest = hashlib.sha256()
    files = [project / "dbt_project.yml"]
    for folder in ("models", "macros", "seeds", "tests"):
        files += sorted(f for f in (project / folder).rglob("*") if f.is_file() and "__pycache__" not in f.parts)
    for f in files:
        digest.update(f.relative_to(project).as_posix().encode() + b"\0")
        digest.update(f.read_bytes() + b"\0")
    return digest.hexdigest()


def _state_path() -> Path:
    return settings.dbt_state_dir() / "build_state.json"


def _read_state() -> dict:
    try:
        return json.loads(_state_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def build(target: str | None = None, full_refresh: bool | None = None) -> dict:
    """``dbt build`` (on the warehouse's target unless ``target``); incremental unless ``full_refresh`` or the
    project changed since the last build."""
    target = target or default_target()
    started = time.monotonic()
    fingerprint = project_fingerprint()
    state = _read_state()
    env = dbt_env(target)
    if target == "duckdb":
        key = f"{target}|{settings.warehouse_path()}"
    else:
        key = f"{target}|{env.get('CHISO_PG_HOST')}:{env.get('CHISO_PG_PORT')}/{env.get('CHISO_PG_DATABASE')}"
    last = state.get(key, {})
    reason = None
    if full_refresh is None:
        if last.get("fingerprint") != fingerprint:
            full_refresh = True
            reason = "first build on this target" if not last else "the dbt project changed since the last build"
        else:
            full_refresh = False
    elif full_refresh:
        reason = "asked for"
    if full_refresh:
        log.info("dbt build --full-refresh: %s", reason)
    # read before dbt starts: a load that commits during the build is the next build's to cover (the manifest
    # read is the warehouse's: a build on another target selects every model)
    own = target == default_target()
    loaded_through, systems = _loads_since(last.get("loaded_through")) if own else (None, None)
    selected = [] if full_refresh or systems is None else _selection(systems)
    args = ["build"] + (FULL_REFRESH_ARGS if full_refresh else INCREMENTAL_ARGS) + selected
    summary = _summary(run(args, target=target))
    state[key] = {"fingerprint": fingerprint, "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                  "full_refresh": full_refresh, "loaded_through": loaded_through}
    _state_path().parent.mkdir(parents=True, exist_ok=True)
    _state_path().write_text(json.dumps(state, indent=1), encoding="utf-8")
    return {"target": target, "seconds": round(time.monotonic() - started, 1), "summary": summary,
            "full_refresh": full_refresh, "full_refresh_reason": reason}


def _loads_since(since: str | None) -> tuple[str | None, list[str] | None]:
    """The manifest's newest load time (ISO; None when the warehouse has no manifest yet) and the source systems
    that loaded or superseded a batch after ``since`` (the newest load time at the last successful build; None,
    meaning every model, when that is unknown or the manifest cannot be read), in one reading of the manifest."""
    from chiso.warehouse import backend

    try:
        with backend.connect(read_only=True) as wh:
            (newest,) = wh.execute("SELECT max(loaded_at) FROM raw.landing_manifest").fetchone()
            systems = None if since is None else [s for (s,) in wh.execute(
                "SELECT DISTINCT source_system FROM raw.landing_manifest WHERE loaded_at > ? ORDER BY 1",
                [datetime.fromisoformat(since)]).fetchall()]
    except Exception:  # noqa: BLE001 - no manifest yet (a warehouse never loaded): every model is selected
        log.info("no landing manifest to read: the build selects every model")
        return None, None
    if systems is not None:
        log.info("dbt build of what the loads since %s changed: the manifest and %s", since, systems or "no source")
    return (newest.isoformat() if newest is not None else None), systems


def _selection(systems: list[str]) -> list[str]:
    """An incremental build's selection: what is downstream of the landing manifest (every load changes it)
    and of each source system that loaded or superseded a batch since the last successful build. Nothing else
    can have changed: the project and its seeds are those of that build (a change runs a full refresh), no model
    reads the clock, and only a load writes the raw layer, with its manifest row."""
    return ["--select", "source:loader+", *(f"source:{s}+" for s in systems)]


def full_test(target: str | None = None) -> dict:
    """Every data test of the project on the built warehouse (the scheduled run: what the builds leave out, the
    keys again, the raw-layer scans); raises when one fails, so that the task fails and alerts."""
    started = time.monotonic()
    summary = _summary(run(FULL_TEST_ARGS, target=target))
    return {"target": target or default_target(), "seconds": round(time.monotonic() - started, 1),
            "summary": summary}


def _summary(proc: subprocess.CompletedProcess) -> str:
    """dbt's closing count (``PASS=… WARN=… ERROR=… … TOTAL=…``)."""
    tail = [line for line in proc.stdout.splitlines() if "Done. PASS=" in line]
    return tail[-1].split("Done. ", 1)[-1] if tail else "done"
