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
    sample.generate(
        out,
        seed=3,
        provinces=1,
        start="2025-08",
        end="2025-08",
        dossiers_per_month=50,
        documents_per_month=10,
    )
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
    assert [d["format"] for d in docs] == [
        "motcua-dossier-csv",
        "motcua-bieu06-xlsx",
        "qlvb-register-xlsx",
        "dvc-766-json",
    ]
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


def _capture(group: str) -> dict:
    return json.loads((CAPTURES / group / "month-all.json").read_text(encoding="utf-8"))["data"]


def test_inspect_reports_766_counts_for_parent_and_children(capsys):
    """Every 766 group's main counts, for the root and summed over its children, as the captures print them
    (expected values added up here from the JSON)."""
    files = [
        CAPTURES / g / "month-all.json"
        for g in (
            "dvc-progress-tree",
            "formality-online-payment-tree",
            "provide-online-tree",
            "transparency",
            "dossier-digitized",
            "handling-satisfaction",
        )
    ]
    assert cli.main(["inspect", "--json", *map(str, files)]) == 0
    by_group = {d["counts_766"]["group"]: d["counts_766"] for d in _json_lines(capsys)}
    assert len(by_group) == 6

    progress = _capture("dvc-progress-tree")
    got = by_group["dvc-progress-tree"]
    assert got["children"] == len(progress["children"]) == 163
    for key in ("totalReceived", "totalOnTime", "totalCompleted"):
        assert got["parent"][key] == progress["parent"][key]
    for key in ("totalReceived", "totalOnTime", "totalOverdue"):
        assert got["children_sum"][key] == sum(c[key] for c in progress["children"])
    assert "totalOverdue" not in got["parent"]  # not published for the root: absent, not 0

    payment = _capture("formality-online-payment-tree")
    got = by_group["formality-online-payment-tree"]
    for key in (
        "totalDossierOnlinePaymentSuccess",
        "totalDossierFinancialObligation",
        "totalDossierOnlineFormalityPaymentSuccess",
        "totalFeeDossierFormality",
        "totalFeeFormality",
    ):
        assert got["parent"][key] == payment["parent"][key]
        assert got["children_sum"][key] == sum(c[key] for c in payment["children"])

    online = _capture("provide-online-tree")
    got = by_group["provide-online-tree"]
    for key in (
        "onlineDossierCount",
        "onlineServiceTotal",
        "fullCount",
        "channelOnlineSum",
        "channelTotalSum",
    ):
        assert got["parent"][key] == online["parent"][key]

    for group in ("transparency", "dossier-digitized", "handling-satisfaction"):
        data = _capture(group)
        got = by_group[group]
        for metric in data["overview"]["metrics"]:
            code = metric["code"]
            assert got["parent"].get(f"{code} numerator") == metric["numerator"], (group, code)
            expected = sum(
                m["denominator"] or 0 for c in data["evaluation"] for m in c["metrics"] if m["code"] == code
            )
            assert got["children_sum"].get(f"{code} denominator", 0) == expected, (group, code)
