"""The dossier measures are incremental by month: after a new batch (and after a corrected export that
supersedes one and drops a dossier, and after a load that places an agency the data named before), an
incremental build gives exactly what a --full-refresh build gives, and the months before the ones a load touches
are not rebuilt."""

from __future__ import annotations

import os
from datetime import date

import duckdb
import pytest
from chiso_dbt_fixture import build_fixture_warehouse, document, dossier, load_batch, run_dbt

# every model a dossier load changes, compared after the incremental build and after a full refresh
COMPARED = {
    "marts.mart_kpi_progress": "unit_code, unit_valid_from, kpi_code, period_type, period_start",
    "intermediate.int_kpi_dossier_measures": "unit_code, unit_valid_from, kpi_code, period_type, period_start",
    "marts.fct_bieu06_reconciliation": "batch_id, source_row",
    "marts.fct_online_service_month": "snapshot_month, service_code",
    "marts.fct_dossier": "dossier_code",
    "marts.mart_units_behind": "1, 2, 3, 4, 5",
    "intermediate.int_kpi_document_measures": "unit_code, unit_valid_from, kpi_code, period_type, period_start",
    "marts.fct_document": "document_key",
    "marts.dim_procedure": "procedure_code",
    "marts.mart_unknown_agency_codes": "source_dataset, agency_code, department_id, reason",
    "intermediate.int_procedure_batch": "batch_id, procedure_code",
    "intermediate.int_agency_sightings": "batch_id, source_dataset, agency_code, department_id, agency_name, "
                                         "period_month, province_code",
    "marts.dim_agency": "agency_code, valid_from",
}
MEASURE_COLUMNS = ("attribution, unit_code, unit_valid_from, month_start, n_received, n_received_online, "
                   "n_fee_bearing, n_fee_paid_online, n_digitised, n_finished, n_finished_on_time, n_open_at_end, "
                   "n_open_at_end_on_time")


@pytest.fixture()
def warehouse(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    build_fixture_warehouse(path)
    old = os.environ.get("CHISO_WAREHOUSE")
    os.environ["CHISO_WAREHOUSE"] = str(path)
    yield path
    if old is None:
        os.environ.pop("CHISO_WAREHOUSE", None)
    else:
        os.environ["CHISO_WAREHOUSE"] = old


def _snapshot(path):
    con = duckdb.connect(str(path))
    try:
        out = {t: con.execute(f"select * exclude (refreshed_through) from {t} order by {k}").fetchall()
               if t in ("marts.fct_dossier", "marts.fct_document", "intermediate.int_procedure_batch",
                        "intermediate.int_agency_sightings") else con.execute(f"select * from {t} order by {k}").fetchall()
               for t, k in COMPARED.items()}
        out["measures"] = con.execute(
            f"select {MEASURE_COLUMNS} from intermediate.int_dossier_month_measures order by 1, 2, 3, 4").fetchall()
        built = dict(con.execute(
            "select month_start, max(built_through) from intermediate.int_dossier_month_measures group by 1"
        ).fetchall())
    finally:
        con.close()
    return out, built


def _build(tmp_path, *extra):
    result = run_dbt(["build", "--exclude", "test_type:data", *extra], tmp_path)
    assert result.success, result.exception


def test_incremental_months_equal_a_full_refresh(warehouse, tmp_path):
    _build(tmp_path)
    _, built_before = _snapshot(warehouse)
    # a September 2025 export: a new dossier, and the open H55.03 dossier of August (received 2025-08-06) finishes
    load_batch(warehouse, "sha-sep", "hoso_2025-09", [
        dossier("H55.04-250901-0001", "2025-09-01", "H55.04", 2, "2025-09-01 08:00", "2025-09-10 17:00", None,
                "received"),
        dossier("H55.03-250806-0001", "2025-09-01", "H55.03", 1, "2025-08-06 08:00", "2025-09-30 17:00",
                "2025-09-05 10:00", "returned"),
        # a new procedure, at an agency of no province (dim_procedure, mart_unknown_agency_codes)
        dossier("H99.02-250902-0001", "2025-09-01", "H99.02", 1, "2025-09-02 08:00", "2025-09-12 17:00", None,
                "received", procedure="1.000009"),
    ])
    # an April 2024 register: a new document, and 15/STP (March) again, now completed
    load_batch(warehouse, "sha-apr", "sovanban_2024-04", [
        {**document("40/UBND-VP", "H14.01", "outgoing", "electronic", "normal", issued="2024-04-02"),
         "period_month": date(2024, 4, 1)},
        {**document("15/STP", "H14.01", "incoming", "paper", "normal"), "period_month": date(2024, 4, 1),
         "due_on": date(2024, 4, 10), "completed_on": date(2024, 4, 8)},
        {**document("41/XYZ", "H14.88", "incoming", "paper", "normal", issued="2024-04-03"),
         "period_month": date(2024, 4, 1)},
    ], dataset="qlvb_document")
    _build(tmp_path)
    incremental, built_after = _snapshot(warehouse)
    # the incremental build saw the new batches: the new procedure and the unknown agency codes are listed
    new_procedure = [r for r in incremental["marts.dim_procedure"] if r[0] == "1.000009"]
    assert len(new_procedure) == 1 and new_procedure[0][-3:] == (date(2025, 9, 1), date(2025, 9, 1), 1)
    unknown = {(r[0], r[1]) for r in incremental["marts.mart_unknown_agency_codes"]}
    assert {("motcua_dossier", "H99.02"), ("qlvb_document", "H14.88")} <= unknown
    # the August dossier only ended (in September) and the new one arrived in September: the months before
    # September were not rebuilt (the August dossier counts there as before: open at August's end, in time),
    # September onwards were
    kept = [m for m in built_before if str(m) < "2025-09-01"]
    assert kept and all(built_after[m] == built_before[m] for m in kept)
    assert all(built_after[m] > built_before[m] for m in built_before if str(m) >= "2025-09-01")
    _build(tmp_path, "--full-refresh")
    full, _ = _snapshot(warehouse)
    assert incremental == full


def test_superseding_export_that_drops_a_dossier(warehouse, tmp_path):
    _build(tmp_path)
    con = duckdb.connect(str(warehouse))
    try:
        batch, n_before = con.execute(
            "select batch_id, count(*) over () from raw.motcua_dossier where dossier_code = 'H55.03-250806-0001'"
        ).fetchone()
        keep = con.execute(
            "select * exclude (batch_id, source_file, source_row) from raw.motcua_dossier "
            "where batch_id = ? and dossier_code <> 'H55.03-250806-0001' order by source_row", [batch]).fetchall()
        cols = [d[0] for d in con.description]
    finally:
        con.close()
    assert n_before == 1 and keep
    # a corrected export of the same month replaces the batch; it no longer lists H55.03-250806-0001
    load_batch(warehouse, "sha-corrected", "hoso_2025-08_corrected", [dict(zip(cols, r)) for r in keep],
                supersedes=batch)
    before, _ = _snapshot(warehouse)
    _build(tmp_path)
    incremental, _ = _snapshot(warehouse)
    dropped = [r for r in incremental["marts.fct_dossier"] if r[0] == "H55.03-250806-0001"]
    assert dropped == []
    counts = [{r[0]: r[-1] for r in snap["marts.dim_procedure"]} for snap in (before, incremental)]
    assert counts[1]["1.000001"] == counts[0]["1.000001"] - 1
    _build(tmp_path, "--full-refresh")
    full, _ = _snapshot(warehouse)
    assert incremental == full


def test_an_agency_placed_later_is_counted_in_earlier_months(warehouse, tmp_path):
    """Agencies are learned from the data: a later export can place an agency earlier months already used. The
    dossier of H14.77 received in March 2024 (a district committee's name no district of Cao Bằng has) counts
    for no district; an April export names the agency "UBND Huyện Hà Quảng", district 045: the incremental build
    rebuilds the months from March 2024 (when H14.77 was first seen), and equals a full refresh."""
    _build(tmp_path)
    _, built_before = _snapshot(warehouse)
    load_batch(warehouse, "sha-apr-2024", "hoso_2024-04", [
        {**dossier("H14.77-240405-0001", "2024-04-01", "H14.77", 1, "2024-04-05 08:00", "2024-04-15 17:00",
                   "2024-04-10 10:00", "returned"), "agency_name": "UBND Huyện Hà Quảng"},
    ])
    _build(tmp_path)
    incremental, built_after = _snapshot(warehouse)
    agency = [r for r in incremental["marts.dim_agency"] if r[0] == "H14.77"]
    assert len(agency) == 1
    con = duckdb.connect(str(warehouse))
    try:
        march = con.execute(
            "select n_received from intermediate.int_dossier_month_measures where attribution = 'agency' "
            "and unit_code = '045' and month_start = date '2024-03-01'").fetchall()
        placed = con.execute("select admin_unit_code, match_method from marts.dim_agency "
                             "where agency_code = 'H14.77'").fetchall()
    finally:
        con.close()
    assert placed == [("045", "name")]
    assert march == [(1,)]
    kept = [m for m in built_before if str(m) < "2024-03-01"]
    assert kept and all(built_after[m] == built_before[m] for m in kept)
    assert all(built_after[m] > built_before[m] for m in built_before if str(m) >= "2024-03-01")
    _build(tmp_path, "--full-refresh")
    full, _ = _snapshot(warehouse)
    assert incremental == full


def _duplicate(path, table, where):
    """Insert a second copy of the rows of ``table`` matching ``where`` (a key the build should have kept unique)."""
    con = duckdb.connect(str(path))
    try:
        con.execute(f"insert into {table} select * from {table} where {where}")
    finally:
        con.close()


def test_key_tests_of_an_incremental_build_read_the_rows_it_wrote(warehouse, tmp_path):
    """The large tables' key tests (where: __chiso_changed_rows__) read the rows stamped with this build's
    watermark: a day of dossiers does not re-test the documents, and a bad row this build wrote is caught."""
    keys = ["--select", "int_dossier_latest", "int_document_latest", "fct_dossier", "fct_document"]
    _build(tmp_path)
    # an old document row duplicated (as if an earlier build had left it): not this build's to test
    _duplicate(warehouse, "intermediate.int_document_latest", "document_number = '33/SNV'")
    load_batch(warehouse, "sha-sep", "hoso_2025-09", [
        dossier("H55.04-250901-0001", "2025-09-01", "H55.04", 2, "2025-09-01 08:00", "2025-09-10 17:00", None,
                "received"),
    ])
    _build(tmp_path)
    tested = run_dbt(["test", *keys], tmp_path)
    assert tested.success, [f"{r.node.name}: {r.status}" for r in tested.result if str(r.status) != "pass"]
    # a duplicate of the dossier this build wrote carries its watermark: the key tests see it
    _duplicate(warehouse, "intermediate.int_dossier_latest", "dossier_code = 'H55.04-250901-0001'")
    tested = run_dbt(["test", *keys], tmp_path)
    failed = {r.node.name: r.failures for r in tested.result if str(r.status) == "fail"}
    # one keys test a table; it counts the bad rows (the two sharing the key), not the failed checks
    assert failed == {"keys_fct_dossier_timeliness___dossier_code_": 2,
                      "keys_int_dossier_latest_dossier_code___dossier_code_": 2}
    # the copy's key made null: no longer a duplicate, a null key instead (fct_dossier keys on the code alone)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("update intermediate.int_dossier_latest set dossier_code = null where rowid = "
                    "(select max(rowid) from intermediate.int_dossier_latest "
                    "where dossier_code = 'H55.04-250901-0001')")
    finally:
        con.close()
    tested = run_dbt(["test", *keys], tmp_path)
    assert {r.node.name: r.failures for r in tested.result if str(r.status) == "fail"} == {
        "keys_int_dossier_latest_dossier_code___dossier_code_": 1}
