"""`chiso inspect FILE...`: detects, parses and reports, writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import chiso_sample as sample
import pytest
from chiso import cli

CAPTURES = Path(__file__).resolve().parents[1] / "fixtures" / "dvcqg-766"


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    out = tmp_path_factory.mktemp("inspect")
    sample.generate(out, seed=3, provinces=1, start="2025-08", end="2025-08", dossiers_per_month=50,
                    documents_per_month=10)
    return out


def _json_lines(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def test_inspect_json_reports_each_file(exports, capsys, tmp_path):
    csv_file = next(exports.rglob("hoso_*.csv"))
    bieu = next(exports.rglob("bieu06_*.xlsx"))
    reg = next(exports.rglob("sovanban_*.xlsx"))
    cap = CAPTURES / "dvc-progress-tree" / "month-all.json"
    before = sorted(p.name for p in exports.rglob("*"))
    code = cli.main(["inspect", "--json", str(csv_file), str(bieu), str(reg), str(cap)])
    assert code == 0
    docs = _json_lines(capsys)
    assert [d["format"] for d in docs] == ["motcua-dossier-csv", "motcua-bieu06-xlsx", "qlvb-register-xlsx",
                                           "dvc-766-json"]
    d, b, r, c = docs
    with open(csv_file, encoding="utf-8-sig") as fh:
        n_rows = sum(1 for _ in fh) - 1
    assert d["rows_read"] == n_rows == d["rows_accepted"] + d["rows_rejected"]
    assert d["period_start"] == "2025-08-01" and d["totals"]["dossiers"] == d["rows_accepted"]
    assert d["units"]["count"] >= 1 and all(u.startswith("H14.") for u in d["units"]["first"])
    assert b["source_system"] == "motcua" and b["totals"]["received_total (units)"] > 0
    assert all(x["ok"] for x in b["meta"]["reconciliation"])
    assert r["source_system"] == "qlvb" and r["totals"]["documents"] == r["rows_accepted"]
    assert c["period_start"] == "2026-08-01" and c["rows_read"] == 164
    assert sorted(p.name for p in exports.rglob("*")) == before, "inspect writes nothing"


def test_inspect_reports_a_file_it_does_not_understand(capsys, tmp_path):
    bad = tmp_path / "export.csv"
    bad.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    code = cli.main(["inspect", str(bad)])
    out = capsys.readouterr().out
    assert code == 2
    assert "NOT UNDERSTOOD" in out and "export.csv" in out and "expected" in out


def test_inspect_human_output(exports, capsys):
    csv_file = next(exports.rglob("hoso_*.csv"))
    assert cli.main(["inspect", str(csv_file)]) == 0
    out = capsys.readouterr().out
    assert "motcua-dossier-csv" in out and "rows          : read" in out and "online (channel 2)" in out
