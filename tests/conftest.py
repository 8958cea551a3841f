"""Shared test set-up: every test gets its own data folder; nothing touches the real data/."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
logging.getLogger("great_expectations").setLevel(logging.WARNING)


@pytest.fixture
def chiso_data(tmp_path, monkeypatch) -> Path:
    """An isolated CHISO_DATA_DIR (incoming, landing, work, quarantine, warehouse)."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("CHISO_DATA_DIR", str(data))
    monkeypatch.setenv("CHISO_PII_KEY", "test-key-not-a-secret")
    for name in ("CHISO_INCOMING_DIR", "CHISO_LANDING_DIR", "CHISO_WORK_DIR", "CHISO_QUARANTINE_DIR",
                 "CHISO_WAREHOUSE"):
        monkeypatch.delenv(name, raising=False)
    return data
