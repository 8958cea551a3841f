"""Every mart and column is described (Vietnamese label and English description) and dbt docs generate."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_mart_model_and_column_is_described(tmp_path):
    env = dict(os.environ, DBT_TARGET_PATH=str(tmp_path / "target"), DBT_LOG_PATH=str(tmp_path / "logs"),
               CHISO_WAREHOUSE=str(tmp_path / "w.duckdb"))
    dbt = str(Path(sys.executable).with_name("dbt"))
    proc = subprocess.run([dbt, "parse", "--project-dir", str(REPO / "dbt_project"), "--profiles-dir",
                           str(REPO / "dbt_project")], env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    marts = [n for n in manifest["nodes"].values()
             if n["resource_type"] == "model" and n["name"].startswith("mart_")]
    assert {m["name"] for m in marts} >= {"mart_kpi_progress", "mart_766_scorecard", "mart_units_behind"}
    for model in marts:
        assert len(model["description"]) > 40, model["name"]
        assert model["config"]["contract"]["enforced"], f"{model['name']}: public marts have enforced contracts"
        assert model["columns"], model["name"]
        for name, col in model["columns"].items():
            desc = col["description"]
            assert desc.strip(), f"{model['name']}.{name} has no description"
            # a Vietnamese label as well as the English description
            assert any(ch in desc for ch in "ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"), \
                f"{model['name']}.{name}: no Vietnamese label in {desc!r}"
