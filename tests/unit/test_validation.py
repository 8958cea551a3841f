"""The compiled DuckDB engine gives the same verdicts and counts as Great Expectations' own pandas engine."""

from __future__ import annotations

import json
from datetime import datetime

import pandas as pd
import pytest
from chiso import validation


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


@pytest.fixture
def suite_dir(tmp_path, monkeypatch):
    (tmp_path / "probe.json").write_text(json.dumps(SUITE))
    monkeypatch.setenv("CHISO_EXPECTATIONS_DIR", str(tmp_path))
    return tmp_path


def test_duckdb_engine_matches_gx_pandas(suite_dir):
    ours = validation.validate_frame("probe", FRAME, engine="duckdb")
    ref = validation.validate_frame("probe", FRAME, engine="gx")
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
    ours = validation.validate_frame("probe", FRAME)
    in_set = ours["checks"][2]
    assert in_set["sample"] == ["4.0"] or in_set["sample"] == ["4"]


def test_clean_frame_passes(suite_dir):
    clean = FRAME.iloc[[0, 5]].assign(due=[datetime(2023, 1, 2), datetime(2023, 1, 7)],
                                      done=[datetime(2023, 1, 3), datetime(2023, 1, 8)], agency=["H13.01", "H05.30"])
    assert validation.validate_frame("probe", clean)["success"]


def test_missing_column_fails_the_expectation(suite_dir):
    out = validation.validate_frame("probe", FRAME.drop(columns=["fee"]))
    fee_checks = [c for c in out["checks"] if c["kwargs"].get("column") == "fee"]
    assert fee_checks and all(not c["success"] for c in fee_checks)
    assert all("fee" in (c["exception"] or "") for c in fee_checks)


def test_data_docs_page_is_rendered(chiso_data, suite_dir):
    import pyarrow as pa
    import pyarrow.parquet as pq

    work = chiso_data / "work" / "abc"
    work.mkdir(parents=True)
    pq.write_table(pa.Table.from_pandas(FRAME), work / "probe.parquet")
    out = validation.validate_batch({"batch_id": "abc" * 10, "tables": {"probe": str(work / "probe.parquet")},
                                     "work_dir": str(work), "file_name": "x.csv"})
    page = validation.data_docs_dir() / "validations" / "probe" / ("abc" * 10 + ".html")
    html = page.read_text()
    assert "channel" in html and "fee" in html  # GX's page lists the expectations of the failed validation
    assert out["data_docs_url"] == page.resolve().as_uri()
    assert (validation.results_dir() / "probe" / ("abc" * 10 + ".json")).exists()
    index = validation.build_data_docs().read_text()
    assert "probe" in index and "validations/probe/" in index
