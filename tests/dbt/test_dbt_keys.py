"""The ``keys`` data test names what it checks: without not-null columns or keys it is a compile error."""

from __future__ import annotations

import shutil

from chiso_dbt_fixture import DBT_PROJECT_DIR
from dbt.cli.main import dbtRunner


def test_keys_without_columns_is_a_compile_error(tmp_path, monkeypatch):
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    yml = project / "models" / "marts" / "dim_kpi.yml"
    text = yml.read_text(encoding="utf-8")
    keys = "      - keys:\n          arguments:\n            not_null: [kpi_code]\n            unique: [[kpi_code]]\n"
    assert keys in text
    yml.write_text(text.replace(keys, "      - keys:\n          arguments: {}\n"), encoding="utf-8")
    monkeypatch.setenv("CHISO_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    result = dbtRunner().invoke(["compile", "--select", "dim_kpi,test_name:keys", "--project-dir", str(project),
                                 "--profiles-dir", str(project), "--target-path", str(tmp_path / "target"),
                                 "--log-path", str(tmp_path / "logs")])
    assert not result.success
    messages = [str(getattr(r, "message", "")) for r in (result.result or [])] + [str(result.exception)]
    assert any("name its not_null columns or its unique keys" in m for m in messages), messages
