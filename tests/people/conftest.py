"""A small default-sample warehouse, built once for the people tests: the sample generator's exports for its
seed provinces → land, parse, validate, load (the ingestion tasks, in-process) → freshness → dbt build."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

ENV = ("CHISO_DATA_DIR", "CHISO_PII_KEY", "CHISO_WAREHOUSE", "CHISO_REPORT_DIR")


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("people") / "data"
    old = {k: os.environ.get(k) for k in ENV}
    os.environ.update({"CHISO_DATA_DIR": str(data), "CHISO_PII_KEY": "people-test-key"})
    for k in ("CHISO_WAREHOUSE", "CHISO_REPORT_DIR"):
        os.environ.pop(k, None)
    try:
        import chiso_sample as sample
        from chiso import settings
        from chiso.orchestration import tasks
        from chiso.quality import freshness
        from chiso.warehouse import dbt

        sample.generate(settings.incoming_dir(), seed=20230101, start="2025-01", end="2025-12",
                        dossiers_per_month=60, documents_per_month=20)  # fmt: skip
        for source in ("motcua", "qlvb", "dvc", "plans"):
            for chunk in tasks.land_new_files(source):
                tasks.load(tasks.validate(tasks.parse(chunk)))
        freshness.check(today=date(2026, 1, 10), notify=False)
        result = dbt.build()
        assert "ERROR=0" in result["summary"], result
        yield settings.warehouse_path()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
