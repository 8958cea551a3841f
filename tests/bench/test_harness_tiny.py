"""The benchmark harness at the tiny scale, end to end (issue 6): every stage measured for chiso, the limit
and the usual alternative, and chiso's KPI values equal to the limit's for every unit series x month x KPI."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STAGES = ["land_parse", "validate", "load", "build", "day_ingest", "incremental_build"]


def _kpis(path: Path) -> dict[tuple, tuple[int, int]]:
    with open(path, encoding="utf-8") as fh:
        return {(r["unit_code"], r["unit_valid_from"], r["kpi_code"], r["period_start"]):
                (int(r["numerator"]), int(r["denominator"])) for r in csv.DictReader(fh)}


@pytest.mark.timeout(480)
def test_harness_tiny(tmp_path):
    out = tmp_path / "results"
    env = dict(os.environ, GX_ANALYTICS_ENABLED="false", DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    for name in ("CHISO_DATA_DIR", "CHISO_WAREHOUSE", "CHISO_INCOMING_DIR", "CHISO_LANDING_DIR", "CHISO_WORK_DIR"):
        env.pop(name, None)
    dbt = os.environ.get("BENCH_DBT_FROM_GIT")  # e.g. HEAD while dbt_project/ is mid-edit
    cmd = [sys.executable, str(REPO / "bench" / "harness.py"), "--scale", "tiny", "--out", str(out),
           "--workdir", str(tmp_path / "runs"), "--cache", str(tmp_path / "cache"), "--no-chart"] + (["--dbt-from-git", dbt] if dbt else [])
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=470)
    assert (out / "latest.json").exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    tiny = json.loads((out / "latest.json").read_text())["scales"]["tiny"]

    for who in ("ours", "limit", "alternative", "dlt"):
        for stage in STAGES:
            s = tiny["stages"][who].get(stage)
            assert s is not None, f"{who} has no {stage}"
            assert s["status"] == "ok", f"{who} {stage}: {s}"
            assert s["seconds"] > 0 and s["peak_rss_bytes"] > 0, f"{who} {stage}: {s}"
    for name in ("initial", "all"):
        assert tiny["end_to_end"]["ours"][name]["seconds"] > 0
        assert tiny["ratios"][f"end_to_end_{name}"]["ours_over_limit"] > 0

    # the real cross-check, from the KPI tables the harness wrote (after the build and after the extra day)
    for suffix in ("_build", ""):
        limit = _kpis(out / f"kpi_tiny_limit{suffix}.csv")
        ours = _kpis(out / f"kpi_tiny_ours{suffix}.csv")
        for who, theirs in (("chiso", ours), ("dlt", _kpis(out / f"kpi_tiny_dlt{suffix}.csv"))):
            assert theirs, f"no KPI rows from {who}"
            assert set(theirs) == set(limit), (who, sorted(set(theirs) ^ set(limit))[:5])
            diff = {k: (theirs[k], limit[k]) for k in theirs if theirs[k] != limit[k]}
            assert not diff, (who, list(diff.items())[:5])
        kpis = {k[2] for k in ours}
        assert kpis == {"online_dossier_share", "online_payment_rate", "digitised_dossier_share", "on_time_share"}
        assert len({(k[0], k[1]) for k in ours}) >= 2  # several provinces, across the reorganisation
    assert all(v["equal"] for v in tiny["kpi_check"].values()), tiny["kpi_check"]
    assert proc.returncode == 0, proc.stderr[-2000:]
