"""The dossiers' and documents' latest state is incremental (int_dossier_latest, int_document_latest; the facts
fct_dossier and fct_document are views over them): a batch landed after the last run updates and adds rows on the
next run; rows of older batches are not rebuilt; --full-refresh rebuilds everything."""

from __future__ import annotations

import os
from datetime import date, datetime

import duckdb
from chiso.contracts import table_columns
from chiso_dbt_fixture import MANIFEST_INSERT_COLUMNS, build_fixture_warehouse, document, dossier, run_dbt


def test_fct_dossier_incremental_run(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    build_fixture_warehouse(warehouse)
    old = os.environ.get("CHISO_WAREHOUSE")
    os.environ["CHISO_WAREHOUSE"] = str(warehouse)
    try:
        first = run_dbt(["build", "--select", "+fct_dossier", "--exclude", "test_type:data"], tmp_path)
        assert first.success, first.exception
        # a September 2025 export lands: one new dossier, and the open H55.03 dossier of August finishes
        names = [n for n, _ in table_columns("motcua_dossier")]
        rows = [
            dossier(
                "H55.04-250901-0001",
                "2025-09-01",
                "H55.04",
                2,
                "2025-09-01 08:00",
                "2025-09-10 17:00",
                None,
                "received",
            ),
            dossier(
                "H55.03-250806-0001",
                "2025-09-01",
                "H55.03",
                1,
                "2025-08-06 08:00",
                "2025-09-30 17:00",
                "2025-09-05 10:00",
                "returned",
            ),
        ]
        con = duckdb.connect(str(warehouse))
        try:
            for i, row in enumerate(rows, start=1):
                full = {"batch_id": "sha-sep", "source_file": "hoso_19_2025-09.csv", "source_row": i, **row}
                con.execute(
                    f"insert into raw.motcua_dossier values ({', '.join('?' for _ in names)})",
                    [full.get(n) for n in names],
                )
            con.execute(
                "insert into raw.landing_manifest (" + MANIFEST_INSERT_COLUMNS + ", loaded_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
                [
                    "sha-sep",
                    "motcua",
                    "motcua_dossier",
                    "hoso_19_2025-09.csv",
                    None,
                    None,
                    datetime(2026, 11, 2),
                    2,
                    2,
                    0,
                    "loaded",
                    "sha-sep",
                    None,
                ],
            )
        finally:
            con.close()
        second = run_dbt(["build", "--select", "+fct_dossier", "--exclude", "test_type:data"], tmp_path)
        assert second.success, second.exception
        con = duckdb.connect(str(warehouse))
        try:
            n, distinct = con.execute(
                "select count(*), count(distinct dossier_code) from marts.fct_dossier"
            ).fetchone()
            status, timeliness = con.execute(
                "select status, timeliness from marts.fct_dossier where dossier_code = 'H55.03-250806-0001'"
            ).fetchone()
        finally:
            con.close()
        assert (n, distinct) == (22, 22)
        assert (status, timeliness) == ("returned", "finished_on_time")
    finally:
        if old is None:
            os.environ.pop("CHISO_WAREHOUSE", None)
        else:
            os.environ["CHISO_WAREHOUSE"] = old


def test_fct_document_incremental_run(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    build_fixture_warehouse(warehouse)
    old = os.environ.get("CHISO_WAREHOUSE")
    os.environ["CHISO_WAREHOUSE"] = str(warehouse)
    select = ["--select", "+fct_document", "--exclude", "test_type:data"]
    try:
        first = run_dbt(["build", *select], tmp_path)
        assert first.success, first.exception
        con = duckdb.connect(str(warehouse))
        try:
            # marks a row of the March batch in the materialised state: an incremental run must leave it alone
            con.execute(
                "update intermediate.int_document_latest set issuing_agency = 'untouched' "
                "where document_number = '33/SNV'"
            )
            # an April 2024 register lands: one new document, and 15/STP (March) again, now completed on time
            names = [n for n, _ in table_columns("qlvb_document")]
            rows = [
                {
                    **document(
                        "40/UBND-VP", "H14.01", "outgoing", "electronic", "normal", issued="2024-04-02"
                    ),
                    "period_month": date(2024, 4, 1),
                },
                {
                    **document("15/STP", "H14.01", "incoming", "paper", "normal"),
                    "period_month": date(2024, 4, 1),
                    "due_on": date(2024, 4, 10),
                    "completed_on": date(2024, 4, 8),
                },
            ]
            for i, row in enumerate(rows, start=1):
                full = {"batch_id": "sha-apr", "source_file": "sovanban_2024-04", "source_row": i, **row}
                con.execute(
                    f"insert into raw.qlvb_document values ({', '.join('?' for _ in names)})",
                    [full.get(n) for n in names],
                )
            con.execute(
                "insert into raw.landing_manifest (" + MANIFEST_INSERT_COLUMNS + ", loaded_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
                [
                    "sha-apr",
                    "qlvb",
                    "qlvb_document",
                    "sovanban_2024-04",
                    None,
                    None,
                    datetime(2026, 11, 2),
                    2,
                    2,
                    0,
                    "loaded",
                    "sha-apr",
                    None,
                ],
            )
        finally:
            con.close()

        def state():
            con = duckdb.connect(str(warehouse))
            try:
                counts = con.execute(
                    "select count(*), count(distinct document_key) from marts.fct_document"
                ).fetchone()
                stp = con.execute(
                    "select cast(period_month as varchar), is_completed_on_time, batch_id from marts.fct_document "
                    "where document_number = '15/STP'"
                ).fetchall()
                new = con.execute(
                    "select reported_unit_code, is_electronic from marts.fct_document "
                    "where document_number = '40/UBND-VP'"
                ).fetchall()
                snv = con.execute(
                    "select issuing_agency from marts.fct_document where document_number = '33/SNV'"
                ).fetchone()[0]
            finally:
                con.close()
            return counts, stp, new, snv

        second = run_dbt(["build", *select], tmp_path)
        assert second.success, second.exception
        counts, stp, new, snv = state()
        assert counts == (5, 5)
        assert stp == [("2024-04-01", True, "sha-apr")]
        assert new == [("04", True)]
        assert snv == "untouched"  # the March batch was not rebuilt

        refreshed = run_dbt(["run", "--select", "+fct_document", "--full-refresh"], tmp_path)
        assert refreshed.success, refreshed.exception
        counts, stp, new, snv = state()
        assert counts == (5, 5)
        assert stp == [("2024-04-01", True, "sha-apr")]
        assert new == [("04", True)]
        assert snv == "UBND tỉnh Cao Bằng"
    finally:
        if old is None:
            os.environ.pop("CHISO_WAREHOUSE", None)
        else:
            os.environ["CHISO_WAREHOUSE"] = old
