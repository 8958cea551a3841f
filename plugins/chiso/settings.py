"""Every setting of chiso: the ``CHISO_*`` environment variables, read here and nowhere else.

Each variable is declared in :data:`VARIABLES` with its default and meaning (``chiso settings`` prints them,
tests/unit/test_settings.py checks that no other module reads one and that every ``CHISO_*`` name used in the
repository is declared). Values are read when asked for, never cached: a test or a task may change them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Variable:
    name: str
    default: str
    meaning: str
    read_by: str = "chiso"  # chiso (this module) | dbt (profiles.yml) | deployment (docker-compose.yaml)


VARIABLES: dict[str, Variable] = {v.name: v for v in (
    # ---- where things live
    Variable("CHISO_DATA_DIR", "<repo>/data", "root of everything chiso writes: incoming, landing, work, "
             "quarantine, dq, alerts, logs, the warehouse"),
    Variable("CHISO_INCOMING_DIR", "$CHISO_DATA_DIR/incoming", "where the source systems' exports arrive "
             "(<source>/...)"),
    Variable("CHISO_LANDING_DIR", "$CHISO_DATA_DIR/landing", "the immutable landing zone (every received file, "
             "once, read-only)"),
    Variable("CHISO_WORK_DIR", "$CHISO_DATA_DIR/work", "parsed batches (Parquet) between the parse, validate "
             "and load tasks"),
    Variable("CHISO_QUARANTINE_DIR", "$CHISO_DATA_DIR/quarantine", "quarantined files with their error reports"),
    Variable("CHISO_WAREHOUSE", "$CHISO_DATA_DIR/warehouse.duckdb", "the warehouse: a DuckDB file, or a "
             "postgresql://user@host:port/database URL, which switches loads, dbt, freshness and the report to "
             "PostgreSQL (its password from CHISO_PG_PASSWORD unless in the URL)"),
    Variable("CHISO_DBT_PROJECT_DIR", "<repo>/dbt_project", "the dbt project (and its seeds: reference tables)"),
    Variable("CHISO_EXPECTATIONS_DIR", "<repo>/expectations", "the Great Expectations suites, one JSON per dataset"),
    Variable("CHISO_REPORT_DIR", "$CHISO_DATA_DIR/report", "the static HTML report (and its XLSX) the build DAG "
             "writes after every build"),
    # ---- ingestion and the gate
    Variable("CHISO_PII_KEY", "a random key kept in $CHISO_DATA_DIR/.pii_key", "the key of applicant_key "
             "(HMAC-SHA256 of ID numbers); hex of >= 32 bytes is decoded, any other text used as is"),
    Variable("CHISO_MAX_REJECT_SHARE", "0.05", "share of rejected rows above which a file is quarantined whole"),
    Variable("CHISO_MAX_REJECT_SHARE_<SOURCE>", "$CHISO_MAX_REJECT_SHARE (PLANS: 1)", "the same for one source; a "
             "plan workbook's rows are independent: its good rows load whatever the share of bad ones"),
    Variable("CHISO_MAX_FILE_MB", "1024", "largest export file accepted, in MB (a larger one is quarantined "
             "unread)"),
    Variable("CHISO_MAX_SHEET_CELLS", "20000000", "largest worksheet accepted, in cells, from the dimension the "
             "sheet's XML declares (read before the workbook is opened)"),
    Variable("CHISO_MAX_UNZIPPED_MB", "1024", "largest uncompressed content of an XLSX (a zip), in MB"),
    Variable("CHISO_MAX_JSON_DEPTH", "64", "deepest nesting of arrays and objects accepted in a JSON export"),
    Variable("CHISO_MAX_LINE_KB", "1024", "longest line accepted in a CSV or text export, in KB"),
    Variable("CHISO_PARSE_MEMORY_MB", "3072", "memory (address space) of the child process that parses one "
             "file; a parser that needs more is stopped and the file quarantined as out of memory; 0: parse "
             "in the task's own process"),
    Variable("CHISO_PARSE_WORKERS", "cores, at most 4", "parse children (workbooks, large JSON) running at "
             "once in one parse task"),
    Variable("CHISO_MAX_CORRECTION_LOSS", "0.2", "share of a period's loaded rows a correction may remove; one "
             "removing more is held (quarantined and alerted), not applied"),
    Variable("CHISO_FILES_PER_TASK", "1000", "most files per parse / validate / load task"),
    Variable("CHISO_MB_PER_TASK", "64", "most megabytes of export files per parse / validate / load task (a "
             "larger file has a task of its own): the task count follows the work, not the file count"),
    Variable("CHISO_GX_ENGINE", "duckdb", "how suites are evaluated: duckdb (compiled SQL) or gx (GX's pandas "
             "engine, the reference)"),
    Variable("CHISO_DATA_DOCS_BASE_URL", "$CHISO_PUBLIC_URL/dq/data_docs, else file:// URLs",
             "where the Data Docs are served, for the links in "
             "alerts and raw.dq_run"),
    Variable("CHISO_RECIPIENTS_FILE", "$CHISO_DATA_DIR/config/recipients.csv", "who receives the notices to "
             "units falling behind: CSV unit_code, email, role (unit | province_office)"),
    Variable("CHISO_PUBLIC_URL", "(unset)", "the address where `chiso serve` (or the deployment's static server) "
             "serves data/report and data/dq/data_docs, for the links in alerts"),
    Variable("CHISO_BIEU06_PAUSED", "inside", "the vendor's convention for paused and returned dossiers in Biểu 06 "
             "(inside: counted in the pending columns); selects expectations with meta.convention"),
    Variable("CHISO_FRESHNESS_MAX_DAYS", "45", "how old a source's newest period may be, in days"),
    Variable("CHISO_FRESHNESS_MAX_DAYS_<SOURCE>", "$CHISO_FRESHNESS_MAX_DAYS", "the same for one source (MOTCUA, "
             "QLVB, DVC, PLANS: plans are yearly, 400 by default)"),
    Variable("CHISO_ALERT_ATTEMPTS", "3", "delivery attempts per alert channel"),
    Variable("CHISO_ALERT_BACKOFF", "2", "seconds before the second attempt (doubling after each)"),
    # ---- the warehouse
    Variable("CHISO_WAREHOUSE_LOCK_WAIT", "600", "seconds a DuckDB writer waits for the file while another "
             "process holds it (a command run by hand) before its task fails"),
    Variable("CHISO_DUCKDB_MEMORY_LIMIT", "3GB", "DuckDB's memory ceiling (loader, gate and dbt): larger work "
             "spills to disk"),
    Variable("CHISO_DBT_TARGET", "duckdb", "dbt profile's default target (duckdb | postgres)", "dbt"),
    Variable("CHISO_DBT_SCHEMA", "main", "dbt's schema prefix on DuckDB", "dbt"),
    Variable("CHISO_DBT_THREADS", "4", "dbt threads on DuckDB", "dbt"),
    Variable("CHISO_DBT_PARSE_CACHE", "$XDG_CACHE_HOME/chiso (~/.cache/chiso)", "where dbt's parse of the project "
             "is kept for every warehouse built from it (a new warehouse's first build reuses it; dbt checks it "
             "and parses again when the project or profile differs); safe to delete"),
    Variable("CHISO_PG_HOST", "127.0.0.1", "PostgreSQL warehouse host for dbt (chiso sets it from "
             "CHISO_WAREHOUSE)", "dbt"),
    Variable("CHISO_PG_PORT", "5432", "its port (set from CHISO_WAREHOUSE)", "dbt"),
    Variable("CHISO_PG_USER", "postgres", "its user (set from CHISO_WAREHOUSE)", "dbt"),
    Variable("CHISO_PG_PASSWORD", "(empty)", "the PostgreSQL warehouse's password when CHISO_WAREHOUSE carries "
             "none (from a secret store, never committed)"),
    Variable("CHISO_PG_DATABASE", "postgres", "its database (set from CHISO_WAREHOUSE)", "dbt"),
    Variable("CHISO_PG_SCHEMA", "chiso", "dbt's schema prefix on PostgreSQL", "dbt"),
    # ---- the local production stack (`make stack`: Airflow on Celery, PostgreSQL, Redis)
    Variable("CHISO_STACK_HOME", "<repo>/.airflow-stack", "the stack's AIRFLOW_HOME (config, pids, secrets)"),
    Variable("CHISO_STACK_API_PORT", "8080", "the stack's api-server port (on 127.0.0.1)"),
    Variable("CHISO_STACK_METADATA_DB", "postgresql://postgres@127.0.0.1:5432/chiso_airflow", "Airflow's "
             "metadata database of the stack (created if missing)"),
    Variable("CHISO_STACK_BROKER_URL", "redis://127.0.0.1:6379/0", "the stack's Celery broker"),
    Variable("CHISO_STACK_WAREHOUSE", "postgresql://postgres@127.0.0.1:5432/chiso", "the stack's warehouse when "
             "CHISO_WAREHOUSE is not a postgresql:// URL"),
    Variable("CHISO_READER_PASSWORD", "(unset: no password)", "the password of the read-only role chiso_reader "
             "that chiso's set-up creates on a PostgreSQL warehouse (where the server asks for one)"),
)}


def _get(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else None


def _path(name: str, default: Path) -> Path:
    value = _get(name)
    return Path(value).expanduser().resolve() if value else default


# ---------------------------------------------------------------- where things live
def data_dir() -> Path:
    return _path("CHISO_DATA_DIR", REPO_ROOT / "data")


def incoming_dir() -> Path:
    return _path("CHISO_INCOMING_DIR", data_dir() / "incoming")


def landing_dir() -> Path:
    return _path("CHISO_LANDING_DIR", data_dir() / "landing")


def work_dir() -> Path:
    """Parsed batches (Parquet) between the parse, validate and load tasks."""
    return _path("CHISO_WORK_DIR", data_dir() / "work")


def quarantine_dir() -> Path:
    return _path("CHISO_QUARANTINE_DIR", data_dir() / "quarantine")


def _warehouse_url() -> str | None:
    value = _get("CHISO_WAREHOUSE")
    return value if value and value.startswith(("postgresql://", "postgres://")) else None


def warehouse_path() -> Path:
    """The DuckDB warehouse file (not used when :func:`warehouse_dialect` is ``postgres``)."""
    if _warehouse_url():
        return data_dir() / "warehouse.duckdb"
    return _path("CHISO_WAREHOUSE", data_dir() / "warehouse.duckdb")


def dbt_project_dir() -> Path:
    return _path("CHISO_DBT_PROJECT_DIR", REPO_ROOT / "dbt_project")


def expectations_dir() -> Path:
    return _path("CHISO_EXPECTATIONS_DIR", REPO_ROOT / "expectations")


def report_dir() -> Path:
    """The static HTML report the build DAG writes after every build."""
    return _path("CHISO_REPORT_DIR", data_dir() / "report")


def recipients_file() -> Path:
    return _path("CHISO_RECIPIENTS_FILE", data_dir() / "config" / "recipients.csv")


def public_url() -> str | None:
    """Where the report and Data Docs are served (no trailing slash); None when unset."""
    value = _get("CHISO_PUBLIC_URL")
    return value.rstrip("/") if value else None


def reference_csv(name: str) -> Path:
    """A reference table kept as a dbt seed (one copy, read by dbt and by Python)."""
    return dbt_project_dir() / "seeds" / name


def dq_dir() -> Path:
    """Data-quality files: results, Data Docs, volume profiles."""
    return data_dir() / "dq"


def alerts_dir() -> Path:
    """The alert outbox: every alert's record, whatever its channels did."""
    return data_dir() / "alerts"


def logs_dir() -> Path:
    return data_dir() / "logs"


def dbt_state_dir() -> Path:
    """dbt's target and log folders and chiso's record of the last builds."""
    return data_dir() / "dbt"


def dbt_parse_cache_dir() -> Path:
    """dbt's parse of the project, shared by the warehouses built from it."""
    cache_home = _get("XDG_CACHE_HOME")
    return _path("CHISO_DBT_PARSE_CACHE", (Path(cache_home) if cache_home else Path.home() / ".cache") / "chiso")


def pii_key_file() -> Path:
    return data_dir() / ".pii_key"


# ---------------------------------------------------------------- ingestion and the gate
def pii_key_text() -> str | None:
    """``CHISO_PII_KEY`` as given (None when unset: chiso then keeps a random key in :func:`pii_key_file`)."""
    return _get("CHISO_PII_KEY")


def max_reject_share(source_system: str | None = None) -> float:
    own = _get(f"CHISO_MAX_REJECT_SHARE_{source_system.upper()}") if source_system else None
    if own:
        return float(own)
    if source_system == "plans":  # a plan's rows are independent: its good rows load whatever the bad ones
        return 1.0
    return float(_get("CHISO_MAX_REJECT_SHARE") or "0.05")


def max_file_bytes() -> int:
    return int(float(_get("CHISO_MAX_FILE_MB") or "1024") * (1 << 20))


def max_sheet_cells() -> int:
    return int(_get("CHISO_MAX_SHEET_CELLS") or "20000000")


def max_unzipped_bytes() -> int:
    return int(float(_get("CHISO_MAX_UNZIPPED_MB") or "1024") * (1 << 20))


def max_json_depth() -> int:
    return int(_get("CHISO_MAX_JSON_DEPTH") or "64")


def max_line_bytes() -> int:
    return int(float(_get("CHISO_MAX_LINE_KB") or "1024") * 1024)


def parse_memory_bytes() -> int:
    """0: no child process."""
    return int(float(_get("CHISO_PARSE_MEMORY_MB") or "3072") * (1 << 20))


def parse_workers() -> int:
    """How many parse children (workbooks, large JSON) run at once in one task: the machine's cores, at most 4."""
    value = _get("CHISO_PARSE_WORKERS")
    return max(1, int(value)) if value else max(1, min(4, os.cpu_count() or 1))


def max_correction_loss() -> float:
    return float(_get("CHISO_MAX_CORRECTION_LOSS") or "0.2")


def files_per_task() -> int:
    return int(_get("CHISO_FILES_PER_TASK") or "1000")


def bytes_per_task() -> int:
    return int(float(_get("CHISO_MB_PER_TASK") or "64") * (1 << 20))


def gx_engine() -> str:
    return _get("CHISO_GX_ENGINE") or "duckdb"


def data_docs_base_url() -> str | None:
    base = _get("CHISO_DATA_DOCS_BASE_URL")
    if base is None and public_url():
        return f"{public_url()}/dq/data_docs"  # where `chiso serve` serves them
    return base


def convention(setting: str, default: str) -> str:
    """A vendor convention an expectation depends on (``meta.convention = "<setting>=<value>"``), from
    ``CHISO_<SETTING>`` (declared above, e.g. ``CHISO_BIEU06_PAUSED``)."""
    name = f"CHISO_{setting.upper()}"
    if name not in VARIABLES:
        raise KeyError(f"{name} is not a declared setting: add it to chiso.settings.VARIABLES")
    return _get(name) or default


def freshness_max_days(source_system: str, default: int = 45) -> int:
    if source_system == "plans":  # a plan is issued once a year: the general limit does not apply to it
        return int(_get("CHISO_FRESHNESS_MAX_DAYS_PLANS") or 400)
    return int(_get(f"CHISO_FRESHNESS_MAX_DAYS_{source_system.upper()}") or _get("CHISO_FRESHNESS_MAX_DAYS")
               or default)


def alert_attempts() -> int:
    return int(_get("CHISO_ALERT_ATTEMPTS") or "3")


def warehouse_lock_wait() -> float:
    return float(_get("CHISO_WAREHOUSE_LOCK_WAIT") or "600")


def alert_backoff() -> float:
    return float(_get("CHISO_ALERT_BACKOFF") or "2")


# ---------------------------------------------------------------- the warehouse
def duckdb_memory_limit() -> str:
    return _get("CHISO_DUCKDB_MEMORY_LIMIT") or "3GB"


def warehouse_dialect() -> str:
    """``postgres`` when ``CHISO_WAREHOUSE`` is a postgresql:// URL, else ``duckdb``: the one switch."""
    return "postgres" if _warehouse_url() else "duckdb"


def warehouse_postgres() -> dict[str, str]:
    """The PostgreSQL warehouse's connection parameters (host, port, user, password, dbname) from
    ``CHISO_WAREHOUSE``; the password from ``CHISO_PG_PASSWORD`` when the URL has none."""
    from urllib.parse import unquote, urlsplit

    url = _warehouse_url()
    if url is None:
        raise ValueError("CHISO_WAREHOUSE is not a postgresql:// URL")
    parts = urlsplit(url)
    return {"host": parts.hostname or "127.0.0.1", "port": str(parts.port or 5432),
            "user": unquote(parts.username or "postgres"),
            "password": unquote(parts.password) if parts.password else (_get("CHISO_PG_PASSWORD") or ""),
            "dbname": unquote(parts.path.lstrip("/")) or "postgres"}


def warehouse_label() -> str:
    """Where the warehouse is, for people (never with its password)."""
    if warehouse_dialect() == "duckdb":
        return str(warehouse_path())
    pg = warehouse_postgres()
    return f"postgresql://{pg['user']}@{pg['host']}:{pg['port']}/{pg['dbname']}"


def reader_password() -> str | None:
    return _get("CHISO_READER_PASSWORD")


# ---------------------------------------------------------------- the local production stack
def stack_home() -> Path:
    return _path("CHISO_STACK_HOME", REPO_ROOT / ".airflow-stack")


def stack_api_port() -> int:
    return int(_get("CHISO_STACK_API_PORT") or "8080")


def stack_metadata_db() -> str:
    return _get("CHISO_STACK_METADATA_DB") or "postgresql://postgres@127.0.0.1:5432/chiso_airflow"


def stack_broker_url() -> str:
    return _get("CHISO_STACK_BROKER_URL") or "redis://127.0.0.1:6379/0"


def stack_warehouse() -> str:
    """The stack's warehouse URL: ``CHISO_WAREHOUSE`` when it is one, else ``CHISO_STACK_WAREHOUSE``."""
    return _warehouse_url() or _get("CHISO_STACK_WAREHOUSE") or "postgresql://postgres@127.0.0.1:5432/chiso"


def use_stack_warehouse() -> None:
    """From now on, this process's warehouse is the stack's (``chiso run --stack`` reports from there)."""
    os.environ["CHISO_WAREHOUSE"] = stack_warehouse()


def describe() -> str:
    """Every setting with its default, its meaning and its current value (secrets masked)."""
    lines = []
    for v in VARIABLES.values():
        current = _get(v.name) if "<" not in v.name else None
        if current and ("KEY" in v.name or "PASSWORD" in v.name):
            current = "(set)"
        lines.append(f"{v.name}\n    {v.meaning}\n    default: {v.default}" + (f"; now: {current}" if current else "")
                     + ("" if v.read_by == "chiso" else f"  [read by {v.read_by}]"))
    return "\n".join(lines)
