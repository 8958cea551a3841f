"""fct_dossier is incremental: a batch landed after the last run updates and adds dossiers on the next run."""

from __future__ import annotations

import os
from datetime import datetime

import duckdb
from chiso.schemas import table_columns
from chiso_dbt_fixture import build_fixture_warehouse, dossier, run_dbt


def test_fct_dossier_incremental_run(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    build_fixture_warehouse(warehouse)
    old = os.environ.get("CHISO_WAREHOUSE")
    os.environ["CHISO_WAREHOUSE"] = str(warehouse)
    try:
        first = run_dbt(["build", "--select", "+fct_dossier", "--exclude", "test_type:data"], tmp_path)
        assert first.success, first.exception
        # a September 2025 export lands: one new dossier, and the open H53.03 dossier of August finishes
        names = [n for n, _ in table_columns("motcua_dossier")]
        rows = [
            dossier(
                "H53.04-250901-0001",
                "2025-09-01",
                "H53.04",
                2,
                "2025-09-01 08:00",
                "2025-09-10 17:00",
                None,
                "received",
            ),
            dossier(
                "H53.03-250806-0001",
                "2025-09-01",
                "H53.03",
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
                "insert into raw.landing_manifest values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                "select status, timeliness from marts.fct_dossier where dossier_code = 'H53.03-250806-0001'"
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
