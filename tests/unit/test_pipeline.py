"""land → parse → validate → load in-process (the steps the DAG tasks call), on generated exports:
accounting, idempotence, supersession, quarantine, DQ history; and the batch descriptor the tasks pass."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import chiso_sample as sample
import duckdb
import pytest
from chiso import settings
from chiso.ingest import landing, load, parse
from chiso.ingest.batch import Batch
from chiso.quality import gate
from ingest_steps import ingest, query


@pytest.fixture
def generated(chiso_data):
    sample.generate(settings.incoming_dir(), seed=11, provinces=2, start="2025-06", end="2025-07",
                    dossiers_per_month=80, documents_per_month=20)
    return chiso_data


def test_every_source_loads_and_accounts_for_every_row(generated):
    for source in ("motcua", "qlvb", "dvc"):
        results = ingest(source)
        assert results and all(r.status == "loaded" for r in results), [r.error for r in results]
    rows = query("select source_system, rows_read, rows_loaded, rows_rejected, status from raw.landing_manifest")
    assert {r[0] for r in rows} == {"motcua", "qlvb", "dvc"}
    for _, read, loaded, rejected, status in rows:
        assert read == loaded + rejected and status == "loaded"
    # what the CSVs hold is what raw holds
    n_csv = 0
    for f in (settings.incoming_dir() / "motcua").rglob("hoso_*.csv"):
        with open(f, encoding="utf-8-sig", newline="") as fh:
            n_csv += sum(1 for _ in csv.DictReader(fh))
    assert query("select count(*) from raw.motcua_dossier")[0][0] == n_csv
    # and every validation run is in the DQ history
    runs = query("select dataset, success, action from raw.dq_run")
    assert runs and all(success for _, success, _ in runs)
    assert query("select count(*) from raw.dq_result")[0][0] >= len(runs) * 3


def test_receiving_the_same_files_again_changes_nothing(generated):
    ingest("motcua")
    before = query("select count(*), sum(rows_loaded) from raw.landing_manifest")
    assert ingest("motcua") == []
    assert query("select count(*), sum(rows_loaded) from raw.landing_manifest") == before


def test_corrected_export_supersedes_the_earlier_one(generated):
    ingest("motcua")
    f = sorted((settings.incoming_dir() / "motcua").rglob("hoso_*_2025-07.csv"))[0]
    old_rows = query("select count(*) from raw.motcua_dossier where source_file like ?", (f"%{f.name}",))[0][0]
    lines = f.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    f.write_text("\ufeff" + "".join(lines[:-3]), encoding="utf-8")  # the corrected export drops 3 dossiers
    results = ingest("motcua")
    assert [r.status for r in results] == ["loaded"]
    assert query("select count(*) from raw.motcua_dossier where source_file like ?", (f"%{f.name}",))[0][0] == old_rows - 3
    states = query("select status, superseded_by is not null from raw.landing_manifest where file_name like ?",
                (f"%{f.name}",))
    assert sorted(states) == [("loaded", False), ("superseded", True)]
    # both stay in landing
    assert len(list(settings.landing_dir().rglob(f.name))) == 2


def test_bad_file_is_quarantined_and_the_rest_loads(generated):
    good = sorted((settings.incoming_dir() / "qlvb").rglob("*.xlsx"))
    bad = settings.incoming_dir() / "qlvb" / "04" / "sovanban_04_2025-05.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is not a workbook")
    results = ingest("qlvb")
    by_name = {Path(r.file_name).name: r for r in results}
    assert by_name[bad.name].status == "quarantined"
    assert all(by_name[g.name].status == "loaded" for g in good)
    q = settings.quarantine_dir() / "qlvb" / by_name[bad.name].batch_id
    report = json.loads((q / "error_report.json").read_text())
    assert report["error"] and bad.name in report["error"]
    assert (q / bad.name).read_bytes() == bad.read_bytes()
    row = query("select status, rows_loaded, error from raw.landing_manifest where file_name like ?", (f"%{bad.name}",))
    assert row[0][0] == "quarantined" and row[0][1] == 0 and bad.name in row[0][2]
    alerts = query("select severity, channel, delivered, message from raw.dq_alert")
    assert alerts and alerts[0][0] == "error" and bad.name in alerts[0][3]


def test_failed_error_expectation_quarantines_the_batch(generated):
    ingest("dvc")
    loaded_before = query("select count(*) from raw.dvc_766_unit")[0][0]
    src = sorted((settings.incoming_dir() / "dvc").rglob("dvc-progress-tree/month-2025-07.json"))[0]
    doc = json.loads(src.read_text(encoding="utf-8"))
    child = doc["data"]["children"][0]
    child["score"] = child["maxScore"] + 5  # a score above its maximum
    child["ratio"] = 180.0  # and a ratio over 100
    src.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")  # a re-sent, damaged response
    results = ingest("dvc")
    assert [r.status for r in results] == ["quarantined"]
    # the failed checks, as the data-quality history keeps them (the task descriptors carry the outcome only)
    failed = query("select column_name from raw.dq_result where not success and batch_id = ?", (results[0].batch_id,))
    assert {c for (c,) in failed} >= {"ratio"}
    assert results[0].validation == {"success": False, "summary": results[0].error}
    assert query("select count(*) from raw.dvc_766_unit")[0][0] == loaded_before, "the last good data stays"
    runs = query("select success, action, failed_errors from raw.dq_run where not success")
    assert runs and runs[0][1] == "quarantined" and runs[0][2] >= 1


def test_rejected_rows_are_kept_with_their_reason(generated, monkeypatch):
    monkeypatch.setenv("CHISO_MAX_REJECT_SHARE", "0.5")  # a small file: 2 bad rows are over 5%
    f = sorted((settings.incoming_dir() / "motcua").rglob("hoso_*_2025-07.csv"))[0]
    with open(f, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[1]["TrangThaiHoSo"] = "Đang 'treo'"  # quotes, Vietnamese text
    rows[4]["MaHoSo"] = rows[3]["MaHoSo"]  # a duplicate code, found after the row was written
    with open(f, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    results = [r for r in ingest("motcua") if r.file_name.endswith(f.name)]
    assert [(r.status, r.rows_read, r.rows_loaded, r.rows_rejected) for r in results] == [
        ("loaded", len(rows), len(rows) - 2, 2)]
    got = query("select source_row, column_name, expected, found, message from raw.rejected_row "
             "where source_file like ? order by 1", (f"%{f.name}",))
    assert [g[:2] for g in got] == [(2, "TrangThaiHoSo"), (5, "MaHoSo")]
    assert got[0][3] == "Đang 'treo'" and got[0][4] == "unknown status" and "Đã trả kết quả" in got[0][2]
    assert got[1][3] == rows[3]["MaHoSo"] and "duplicate" in got[1][4]
    assert query("select count(*) from raw.motcua_dossier where source_file like ? and source_row in (2, 5)",
              (f"%{f.name}",)) == [(0,)]
    # loading the same batch again replaces its rows, rejects included
    again = load.load([results[0].but(status="validated")])
    assert again[0].rows_loaded == len(rows) - 2
    assert query("select count(*) from raw.rejected_row where source_file like ?", (f"%{f.name}",)) == [(2,)]
    assert query("select count(*) from raw.motcua_dossier where source_file like ?", (f"%{f.name}",)) == [
        (len(rows) - 2,)]


def test_batch_descriptor_round_trips_through_json(generated):
    """What crosses XCom is the descriptor's JSON; every field comes back as it was."""
    import json

    batches = [Batch(landed=rec) for rec in landing.land_new("qlvb")][:1]
    parsed = parse.parse(batches)
    checked = gate.validate(parsed)[0]
    text = json.dumps(checked.to_json())
    back = Batch.from_json(json.loads(text))
    assert back == checked
    assert back.period_start.isoformat() == "2025-06-01" and back.status == "validated"
    assert back.supersede_key.startswith("qlvb-register-xlsx|") and back.supersede_key.endswith("|2025-06-30")
    with pytest.raises(ValueError, match="not fields"):
        Batch.from_json(dict(json.loads(text), slot="x"))
    with pytest.raises(ValueError, match="unknown batch status"):
        checked.but(status="half-loaded")


def test_renamed_manifest_column_is_migrated(chiso_data):
    """A warehouse made before the supersede key was named so (column ``slot``) is renamed in place."""
    from chiso.warehouse import backend, schema

    con = duckdb.connect(str(settings.warehouse_path()))
    con.execute("create schema raw")
    con.execute("create table raw.landing_manifest (batch_id varchar, slot varchar)")
    con.execute("insert into raw.landing_manifest values ('b1', 'fmt|04|2025-06-01|2025-06-30')")
    con.close()
    with backend.connect() as wh:
        schema.ensure_raw_schema(wh)
        assert wh.execute("select supersede_key from raw.landing_manifest").fetchall() == [
            ("fmt|04|2025-06-01|2025-06-30",)]
        schema.ensure_raw_schema(wh)  # twice: nothing left to rename
