"""The compiled DuckDB engine gives the same verdicts and counts as Great Expectations' own pandas engine."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from chiso.ingest.batch import Batch
from chiso.ingest.landing import LandedFile
from chiso.quality import data_docs, gate
from chiso.quality import results as stored_results


def _e(t, sev="error", **kw):
    return {"type": t, "kwargs": kw, "meta": {"severity": sev, "why": "test"}}


SUITE = {
    "name": "probe",
    "expectations": [
        _e("expect_column_values_to_not_be_null", column="code"),
        _e("expect_column_values_to_be_unique", column="code"),
        _e("expect_column_values_to_be_in_set", column="channel", value_set=[1, 2, 3]),
        _e("expect_column_values_to_be_between", column="fee", min_value=0, max_value=1000),
        _e("expect_column_values_to_match_regex", "warning", column="agency", regex=r"^[A-Z]\d{2}(\.\d{2,3})*$"),
        _e("expect_column_pair_values_a_to_be_greater_than_b", column_A="due", column_B="received", or_equal=True,
           ignore_row_if="either_value_is_missing"),
        _e("expect_column_pair_values_a_to_be_greater_than_b", column_A="done", column_B="received", or_equal=False,
           ignore_row_if="both_values_are_missing"),
        _e("expect_table_row_count_to_be_between", min_value=1, max_value=100),
        _e("expect_column_values_to_be_in_set", "warning", column="code", value_set=["a", "b", "e", "f"]),
    ],
}

FRAME = pd.DataFrame({
    "code": ["a", "b", "b", None, "e", "f"],
    "channel": [1, 2, 4, 2, None, 3],
    "fee": [0, 50, -1, 2000, None, 10],
    "agency": ["H13.01", "H13.100", "x13", None, "H05", "H5.1"],
    "received": [datetime(2023, 1, d) for d in (1, 2, 3, 4, 5, 6)],
    "due": [datetime(2023, 1, 2), datetime(2023, 1, 1), None, datetime(2023, 1, 4), datetime(2023, 1, 9), None],
    "done": [None, datetime(2023, 1, 1), datetime(2023, 1, 3), datetime(2023, 1, 5), None, None],
})


def parsed_batch(batch_id: str, tables: dict[str, str], work, name: str = "x.csv") -> Batch:
    landed = LandedFile(batch_id=batch_id, sha256=batch_id, source_system="motcua", original_path=name,
                        relative_name=name, landed_path=name, size_bytes=0, received_at="2025-01-01T00:00:00+00:00")
    return Batch(landed=landed, status="parsed", tables=tables, work_dir=str(work), supersede_key=f"probe|{name}")


@pytest.fixture
def suite_dir(tmp_path, monkeypatch):
    (tmp_path / "probe.json").write_text(json.dumps(SUITE))
    monkeypatch.setenv("CHISO_EXPECTATIONS_DIR", str(tmp_path))
    return tmp_path


def test_duckdb_engine_matches_gx_pandas(suite_dir):
    ours = gate.validate_frame("probe", FRAME, engine="duckdb")
    ref = gate.validate_frame("probe", FRAME, engine="gx")
    assert ours["engine"] == "duckdb" and ref["engine"] == "gx"
    assert len(ours["checks"]) == len(ref["checks"]) == len(SUITE["expectations"])
    for mine, theirs in zip(ours["checks"], ref["checks"]):
        assert mine["expectation"] == theirs["expectation"]
        assert mine["success"] == theirs["success"], (mine, theirs)
        assert mine["unexpected_count"] == theirs["unexpected_count"], (mine, theirs)
        if theirs["unexpected_percent"] is not None:
            assert mine["unexpected_percent"] == pytest.approx(theirs["unexpected_percent"])
    # and the verdicts themselves are what the frame's defects imply
    by = [(c["expectation"], c["unexpected_count"]) for c in ours["checks"]]
    assert by[0] == ("expect_column_values_to_not_be_null", 1)
    assert by[1] == ("expect_column_values_to_be_unique", 2)
    assert by[2] == ("expect_column_values_to_be_in_set", 1)
    assert by[3] == ("expect_column_values_to_be_between", 2)
    assert by[5][1] == 1  # due 01/01 before received 02/01
    # strict, and rows with one side missing count (GX's both_values_are_missing): 3 open + 01/01 + 03/01
    assert by[6][1] == 5
    assert not ours["success"]  # errors failed
    assert ours["failed_warnings"] == 1  # the regex check is a warning (the in-set warning passes)


def test_samples_are_reported(suite_dir):
    ours = gate.validate_frame("probe", FRAME)
    in_set = ours["checks"][2]
    assert in_set["sample"] == ["4.0"] or in_set["sample"] == ["4"]


def test_clean_frame_passes(suite_dir):
    clean = FRAME.iloc[[0, 5]].assign(due=[datetime(2023, 1, 2), datetime(2023, 1, 7)],
                                      done=[datetime(2023, 1, 3), datetime(2023, 1, 8)], agency=["H13.01", "H05.30"])
    assert gate.validate_frame("probe", clean)["success"]


def test_missing_column_fails_the_expectation(suite_dir):
    out = gate.validate_frame("probe", FRAME.drop(columns=["fee"]))
    fee_checks = [c for c in out["checks"] if c["kwargs"].get("column") == "fee"]
    assert fee_checks and all(not c["success"] for c in fee_checks)
    assert all("fee" in (c["exception"] or "") for c in fee_checks)


def test_data_docs_page_is_rendered(chiso_data, suite_dir):
    import pyarrow as pa
    import pyarrow.parquet as pq

    work = chiso_data / "work" / "abc"
    work.mkdir(parents=True)
    pq.write_table(pa.Table.from_pandas(FRAME), work / "probe.parquet")
    out = gate.validate_batch(parsed_batch("abc" * 10, {"probe": str(work / "probe.parquet")}, work))
    page = data_docs.data_docs_dir() / "validations" / "probe" / ("abc" * 10 + ".html")
    html = page.read_text()
    assert "channel" in html and "fee" in html  # GX's page lists the expectations of the failed validation
    assert out["data_docs_url"] == page.resolve().as_uri()
    assert (stored_results.results_dir() / "probe" / ("abc" * 10 + ".json")).exists()
    index = data_docs.build_data_docs().read_text()
    assert "probe" in index and "validations/probe/" in index


# ---------------------------------------------------------------- the stored result is GX's, built without GX
RICH_SUITE = {
    "name": "rich",
    "meta": {"why": "serialisation"},
    "expectations": [
        *SUITE["expectations"],
        _e("expect_column_values_to_be_between", column="amount", min_value=0, max_value=100),
        _e("expect_column_values_to_be_null", "warning", column="day"),
        _e("expect_column_values_to_not_be_null", "warning", column="ratio"),
        _e("expect_column_values_to_not_be_null", column="no_such_column"),  # raises: exception_info
        _e("unexpected_rows_expectation", "warning",
           unexpected_rows_query="SELECT code, received, amount FROM {batch} WHERE amount > 100"),
        # types the compiler does not know: evaluated by GX on pandas, stored as GX serialises them
        _e("expect_column_value_lengths_to_be_between", "warning", column="agency", min_value=3, max_value=6),
        _e("expect_column_mean_to_be_between", "warning", column="fee", min_value=0, max_value=100),
    ],
}


def _rich_frame() -> pd.DataFrame:
    from datetime import date
    from decimal import Decimal

    return FRAME.assign(
        amount=[Decimal("1.50"), Decimal("250.25"), None, Decimal("-3.10"), Decimal("7"), Decimal("99.99")],
        day=[date(2023, 1, 1), date(2023, 1, 2), None, date(2023, 1, 1), date(2023, 2, 1), date(2023, 1, 1)],
        ratio=[0.5, float("nan"), 1.0, None, 2.5, 0.25],
    )


def _gx_serialisation(results, doc: dict) -> dict:
    """What GX itself writes for the same results: the objects the gate built before it stopped importing GX."""
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    gx_results = [r.gx if r.gx is not None else ExpectationValidationResult(
        success=r.success, result=r.result, exception_info=r.exception_info,
        expectation_config=ExpectationConfiguration(type=r.config.type, kwargs=r.config.kwargs, meta=r.config.meta,
                                                    description=r.config.description, severity=r.config.severity))
        for r in results]
    ok = sum(r.success for r in gx_results)
    stats = {"evaluated_expectations": len(gx_results), "successful_expectations": ok,
             "unsuccessful_expectations": len(gx_results) - ok, "success_percent": 100.0 * ok / len(gx_results)}
    return ExpectationSuiteValidationResult(success=all(r.success for r in gx_results), results=gx_results,
                                            suite_name="rich", statistics=stats, meta=doc["meta"]).to_json_dict()


def test_stored_result_is_what_gx_writes(chiso_data, tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "rich.json").write_text(json.dumps(RICH_SUITE))
    monkeypatch.setenv("CHISO_EXPECTATIONS_DIR", str(tmp_path))
    work = chiso_data / "work" / "rich"
    work.mkdir(parents=True)
    pq.write_table(pa.Table.from_pandas(_rich_frame(), preserve_index=False), work / "rich.parquet")
    seen = []
    evaluate = gate._evaluate
    monkeypatch.setattr(gate, "_evaluate", lambda *a, **k: seen.append(evaluate(*a, **k)) or seen[-1])

    outcome, doc = gate.validate_parquet("rich", work / "rich.parquet")
    _, results = seen[0]
    assert len(results) == len(RICH_SUITE["expectations"]) == outcome["evaluated"]
    assert [r.gx is not None for r in results][-2:] == [True, True]  # the pandas fallback ran
    assert sum(r.gx is not None for r in results) == 2
    # the samples hold what makes serialisation differ: datetimes (pairs: tuples), Decimals, dates, errors
    by_type = {c["kwargs"].get("column"): c for c in outcome["checks"]}
    assert not by_type["amount"]["success"] and not by_type["day"]["success"]
    assert by_type["no_such_column"]["exception"]

    expected = _gx_serialisation(results, doc)
    assert doc == expected
    # byte for byte as GX's result would have been stored, and GX reads it back to the same result
    stored = stored_results.store_result(doc, "rich", "b" * 64)
    assert stored.read_text(encoding="utf-8") == json.dumps(expected, default=str)
    assert stored_results.gx_suite_result(json.loads(stored.read_text(encoding="utf-8"))).to_json_dict() == expected
    # and GX's renderer takes it (chiso data-docs --all)
    data_docs.build_data_docs(render_all=True)
    html = data_docs.page_path("rich", "b" * 64).read_text(encoding="utf-8")
    assert "amount" in html and "no_such_column" in html


def test_engines_agree_with_a_fallback_in_the_suite(chiso_data, tmp_path, monkeypatch):
    (tmp_path / "rich.json").write_text(json.dumps(RICH_SUITE))
    monkeypatch.setenv("CHISO_EXPECTATIONS_DIR", str(tmp_path))
    frame = _rich_frame()
    ours = gate.validate_frame("rich", frame, engine="duckdb")
    ref = gate.validate_frame("rich", frame, engine="gx")
    for mine, theirs in zip(ours["checks"], ref["checks"], strict=True):
        assert (mine["expectation"], mine["success"], mine["unexpected_count"]) == \
               (theirs["expectation"], theirs["success"], theirs["unexpected_count"]), (mine, theirs)


GATE_IN_A_FRESH_PROCESS = """
import json, sys
from chiso.ingest.batch import Batch
from chiso.ingest.landing import LandedFile
from chiso.quality import gate

def batch(name):
    work = sys.argv[1] + "/" + name
    landed = LandedFile(batch_id=name * 8, sha256=name * 8, source_system="motcua", original_path=name + ".csv",
                        relative_name=name + ".csv", landed_path=name + ".csv", size_bytes=0,
                        received_at="2025-01-01T00:00:00+00:00")
    return Batch(landed=landed, status="parsed", tables={"probe": work + "/probe.parquet"}, work_dir=work,
                 supersede_key="probe|" + name)

passed = gate.validate([batch("good")])[0]
after_pass = sorted(m for m in ("great_expectations", "pandas", "airflow") if m in sys.modules)
failed = gate.validate([batch("bad")])[0]
print(json.dumps({"passed": passed.status, "after_pass": after_pass, "failed": failed.status,
                  "docs": failed.validation["data_docs_url"], "gx_after_fail": "great_expectations" in sys.modules}))
"""


def test_passing_batch_never_imports_great_expectations(chiso_data, suite_dir, tmp_path):
    """The happy path of a task process: no Great Expectations (~6 s), no pandas; a failure still gets its page."""
    import os
    import subprocess
    import sys

    import pyarrow as pa
    import pyarrow.parquet as pq

    clean = FRAME.iloc[[0, 5]].assign(due=[datetime(2023, 1, 2), datetime(2023, 1, 7)],
                                      done=[datetime(2023, 1, 3), datetime(2023, 1, 8)], agency=["H13.01", "H05.30"])
    for name, frame in (("good", clean), ("bad", FRAME)):
        (tmp_path / name).mkdir()
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), tmp_path / name / "probe.parquet")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_CHISO")}
    proc = subprocess.run([sys.executable, "-c", GATE_IN_A_FRESH_PROCESS, str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["passed"] == "validated" and out["after_pass"] == []
    assert out["failed"] == "validation_failed" and out["gx_after_fail"]
    page = data_docs.page_path("probe", "bad" * 8)
    assert out["docs"] == page.resolve().as_uri() and "channel" in page.read_text(encoding="utf-8")
    assert not data_docs.page_path("probe", "good" * 8).exists()  # rendered on demand (data-docs --all)
    stored = json.loads((stored_results.results_dir() / "probe" / ("good" * 8 + ".json")).read_text(encoding="utf-8"))
    assert stored["success"] and stored["statistics"]["evaluated_expectations"] == len(SUITE["expectations"])


def test_a_chunk_scanned_together_gives_each_table_the_verdicts_it_gets_alone(chiso_data):
    """The gate scans a chunk's small tables of one dataset and schema in one grouped statement; every check of
    every table, failing ones included (a table with defects, one without rows, one of another schema), comes
    out as when the table is validated alone."""
    import shutil

    import chiso_sample as sample
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from chiso import settings
    from chiso.ingest import load, parse

    sample.generate(settings.incoming_dir(), seed=11, provinces=1, start="2025-05", end="2025-07",
                    dossiers_per_month=60, documents_per_month=30)
    batches = [b for s in ("qlvb", "dvc", "motcua") for b in parse.parse(load.to_load(s))]
    parsed = [b for b in batches if b.status == "parsed"]
    registers = [b for b in parsed if b.dataset == "qlvb_document"]
    assert len(registers) >= 3
    # defects in one register: a null and a duplicated document number; another emptied; a third of another schema
    defective, emptied, other = (Path(b.tables["qlvb_document"]) for b in registers[:3])
    t = pq.read_table(defective)
    numbers = t.column("document_number").to_pylist()
    numbers[0], numbers[1] = None, numbers[2]
    pq.write_table(t.set_column(t.schema.get_field_index("document_number"), "document_number",
                                pa.array(numbers, t.schema.field("document_number").type)), defective)
    pq.write_table(pq.read_table(emptied).slice(0, 0), emptied)
    t = pq.read_table(other)
    pq.write_table(t.append_column("extra", pc.cast(pa.array([1] * t.num_rows), pa.int64())), other)

    scanned = gate._scan_together(parsed, "duckdb")
    assert str(defective) in scanned and str(emptied) in scanned and str(other) not in scanned
    assert sum(1 for b in parsed for p in b.tables.values() if str(p) in scanned) >= len(parsed)

    def verdicts(report):
        return [[(c["expectation"], json.dumps(c["kwargs"], sort_keys=True, default=str), c["success"],
                  c["observed"], c["unexpected_count"], c["unexpected_percent"], c["sample"], c["exception"])
                 for c in suite["checks"]] for suite in report["suites"]]

    for b in parsed:
        together = gate.validate_batch(b, scanned)
        alone = gate.validate_batch(b)
        assert verdicts(together) == verdicts(alone), b.file_name
        assert together["success"] == alone["success"]
    failed = gate.validate_batch(registers[0], scanned)
    assert not all(c["success"] for s in failed["suites"] for c in s["checks"]), "the defects are seen"
    shutil.rmtree(settings.work_dir(), ignore_errors=True)
