"""Trust nothing in a file name: a period in the future, rows dated outside the period the name claims, and a
correction that would remove most of a period's rows are quarantined with a clear error (the last one held
for confirmation, with an alert); a complete correction still supersedes."""

from __future__ import annotations

import json
import re

import chiso_sample as sample
import pytest
from chiso import settings
from chiso.ingest.batch import Batch
from ingest_steps import ingest, query


def _run(source: str) -> dict[str, Batch]:
    return {b.file_name.split("/")[-1]: b for b in ingest(source)}


@pytest.fixture
def generated(chiso_data):
    sample.generate(
        settings.incoming_dir(),
        seed=6,
        provinces=1,
        start="2025-07",
        end="2025-07",
        dossiers_per_month=60,
        documents_per_month=10,
    )
    return chiso_data


def test_a_file_named_for_the_future_is_quarantined(generated):
    src = next((settings.incoming_dir() / "motcua").rglob("hoso_*_2025-07.csv"))
    future = src.with_name(src.name.replace("2025-07", "2099-12"))
    future.write_bytes(src.read_bytes())
    results = _run("motcua")
    b = results[future.name]
    assert b.status == "quarantined"
    assert future.name in b.error and "2099-12" in b.error and "future" in b.error
    assert results[src.name].status == "loaded"
    assert query("select max(period_start) from raw.landing_manifest where status = 'loaded'")[0][0].year == 2025


def test_rows_of_another_period_than_the_name_claims_are_quarantined(generated):
    src = next((settings.incoming_dir() / "motcua").rglob("hoso_*_2025-07.csv"))
    earlier = src.with_name(src.name.replace("2025-07", "2025-03"))
    earlier.write_bytes(src.read_bytes())  # July's dossiers under a March name
    b = _run("motcua")[earlier.name]
    assert b.status == "quarantined"
    assert earlier.name in b.error and "received_at" in b.error and "2025-03" in b.error, b.error
    assert b.row_errors[0]["row"] and b.row_errors[0]["found"].startswith("2025-07")


def test_a_partial_correction_is_held_and_a_complete_one_supersedes(generated):
    src = next((settings.incoming_dir() / "motcua").rglob("hoso_*_2025-07.csv"))
    _run("motcua")
    before = query("select count(*) from raw.motcua_dossier")[0][0]
    lines = src.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    src.write_text("\ufeff" + "".join(lines[:6]), encoding="utf-8")  # 5 of the month's dossiers
    held = _run("motcua")[src.name]
    assert held.status == "quarantined"
    assert "held for confirmation" in held.error and "expected" in held.error and "found 5 rows" in held.error
    assert query("select count(*) from raw.motcua_dossier")[0][0] == before, "the loaded month stays"
    alerts = [json.loads(p.read_text()) for p in settings.alerts_dir().rglob("*.json")]
    assert any(a.get("batch_id") == held.batch_id for a in alerts)
    # the complete correction (two dossiers fewer) supersedes as before
    src.write_text("\ufeff" + "".join(lines[:-2]), encoding="utf-8")
    complete = _run("motcua")[src.name]
    assert complete.status == "loaded"
    assert query("select count(*) from raw.motcua_dossier")[0][0] == before - 2
    statuses = sorted(
        s for (s,) in query("select status from raw.landing_manifest where file_name like ?", (f"%{src.name}",))
    )
    assert statuses == ["loaded", "quarantined", "superseded"]
    assert re.search(r"CHISO_MAX_CORRECTION_LOSS", held.error)


def _dated(tmp_path, values, kind="timestamp"):
    from datetime import date, datetime

    import pyarrow as pa
    import pyarrow.parquet as pq

    typ = pa.timestamp("us") if kind == "timestamp" else pa.date32()
    conv = (lambda d: None if d is None else datetime.fromisoformat(d)) if kind == "timestamp" else (
        lambda d: None if d is None else date.fromisoformat(d))
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"source_row": pa.array(range(1, len(values) + 1), pa.int32()),
                             "received_at" if kind == "timestamp" else "issued_on":
                                 pa.array([conv(v) for v in values], typ)}), path)
    return str(path)


def test_the_period_check_names_the_first_row_dated_outside_and_a_file_of_another_period(tmp_path):
    from datetime import date

    from chiso.ingest.parse import period_problem

    start, end, today = date(2025, 7, 1), date(2025, 7, 31), date(2025, 9, 15)
    check = lambda values, kind="timestamp": period_problem(  # noqa: E731
        "f", "motcua_dossier" if kind == "timestamp" else "qlvb_document", _dated(tmp_path, values, kind),
        start, end, today=today)
    assert check(["2025-07-02T08:00:00", None, "2025-07-31T23:59:00"]) is None
    late = check(["2025-07-02T08:00:00", None, "2025-08-01T00:00:01", "2025-12-01T00:00:00"])
    assert (late["row"], late["found"], late["expected"]) == (3, "2025-08-01", "a date on or before 2025-07-31")
    assert "after the period 2025-07" in late["message"]
    future = check(["2025-07-02", "2025-10-01"], kind="date")
    assert future["row"] == 2 and future["found"] == "2025-10-01"
    earlier = check(["2025-05-03T10:00:00", None, "2025-06-30T17:00:00"])
    assert earlier["row"] is None and earlier["found"] == "no row in that period (dates 2025-05-03 … 2025-06-30)"
    assert check([None, None])["found"] == "no dates"
