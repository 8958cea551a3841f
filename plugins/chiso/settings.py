"""Where things live. Every path can be moved with an environment variable."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def data_dir() -> Path:
    return _env_path("CHISO_DATA_DIR", REPO_ROOT / "data")


def incoming_dir() -> Path:
    return _env_path("CHISO_INCOMING_DIR", data_dir() / "incoming")


def landing_dir() -> Path:
    return _env_path("CHISO_LANDING_DIR", data_dir() / "landing")


def work_dir() -> Path:
    """Parsed batches (Parquet) between the parse, validate and load tasks."""
    return _env_path("CHISO_WORK_DIR", data_dir() / "work")


def quarantine_dir() -> Path:
    return _env_path("CHISO_QUARANTINE_DIR", data_dir() / "quarantine")


def warehouse_path() -> Path:
    return _env_path("CHISO_WAREHOUSE", data_dir() / "warehouse.duckdb")


def dbt_project_dir() -> Path:
    return _env_path("CHISO_DBT_PROJECT_DIR", REPO_ROOT / "dbt_project")


def expectations_dir() -> Path:
    return _env_path("CHISO_EXPECTATIONS_DIR", REPO_ROOT / "expectations")


def reference_csv(name: str) -> Path:
    """A reference table kept as a dbt seed (one copy, used by dbt and by Python)."""
    return dbt_project_dir() / "seeds" / name

