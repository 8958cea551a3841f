"""A small default-sample warehouse, built once for the people tests: the sample generator's exports for its
seed provinces → land, parse, validate, load (the ingestion tasks, in-process) → freshness → dbt build."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("people") / "data"
    with pytest.MonkeyPatch.context() as mp:  # the environment as it was, afterwards
        mp.setenv("CHISO_DATA_DIR", str(data))
        mp.setenv("CHISO_PII_KEY", "people-test-key")
        for k in ("CHISO_WAREHOUSE", "CHISO_REPORT_DIR"):
            mp.delenv(k, raising=False)
        import chiso_sample as sample
        from chiso import settings
        from chiso.quality import freshness
        from chiso.warehouse import dbt
        from ingest_steps import ingest

        sample.generate(settings.incoming_dir(), seed=20230101, start="2025-01", end="2025-12",
                        dossiers_per_month=60, documents_per_month=20)  # fmt: skip
        for source in ("motcua", "qlvb", "dvc", "plans"):
            ingest(source)
        freshness.check(today=date(2026, 1, 10), notify=False)
        result = dbt.build()
        assert "ERROR=0" in result["summary"], result
        yield settings.warehouse_path()
