"""The same project on PostgreSQL (`--target postgres`): same fixture, same numbers as on DuckDB.

Needs the local server (127.0.0.1:5432, trust auth); skipped when it is not reachable. Creates and drops a
throw-away database.
"""

from __future__ import annotations

import os
import uuid
from datetime import date, datetime

import pytest
from chiso.contracts import DATASETS, table_columns
from chiso_dbt_fixture import (
    BIEU06,
    DOCUMENTS,
    DOSSIERS,
    MANIFEST_COLUMNS,
    MANIFEST_INSERT_COLUMNS,
    MEASURES_766,
    SERVICES,
    UNITS_766,
    phu_tho_766_batches,
    run_dbt,
)

pytestmark = pytest.mark.postgres

PG_TYPES = {
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "VARCHAR": "varchar",
    "SMALLINT": "smallint",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "DOUBLE": "double precision",
    "BOOLEAN": "boolean",
}
HOST = os.environ.get("CHISO_PG_HOST", "127.0.0.1")
USER = os.environ.get("CHISO_PG_USER", "postgres")

MART_QUERY = (
    "select unit_code, cast(unit_valid_from as varchar) as vf, kpi_code, period_type, "
    "cast(period_start as varchar) as ps, numerator, denominator, actual, target_id, status, baseline_value, "
    "expected_on_path, attainment_pct, gap_to_target, trend_slope_per_month, projected_at_horizon, "
    "months_to_horizon, monthly_improvement_needed from {schema}mart_kpi_progress order by 1, 2, 3, 4, 5"
)


def _connect(dbname: str):
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        con = psycopg2.connect(host=HOST, user=USER, dbname=dbname, connect_timeout=3)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    con.autocommit = True
    return con


def _reader_role(dbname: str) -> None:
    """chiso's set-up of a PostgreSQL warehouse (the read-only role chiso_reader and its rights), on the test
    database: a fresh cluster has no such role, and dbt's grants on the marts need it."""
    import psycopg
    from chiso.warehouse.postgres_backend import PostgresWarehouse, setup

    with psycopg.connect(host=HOST, user=USER, dbname=dbname, autocommit=True) as con:
        wh = PostgresWarehouse(con)
        with wh.transaction():
            setup(wh)


@pytest.fixture(scope="module")
def pg_database(tmp_path_factory):
    name = f"chiso_test_{uuid.uuid4().hex[:8]}"
    admin = _connect("postgres")
    admin.cursor().execute(f'create database "{name}"')
    _reader_role(name)  # the marts' grants name it: set up as chiso sets up a PostgreSQL warehouse
    con = _connect(name)
    cur = con.cursor()
    cur.execute("create schema raw")
    for dataset in DATASETS:
        cols = ", ".join(f'"{n}" {PG_TYPES[t]}' for n, t in table_columns(dataset))
        cur.execute(f"create table raw.{dataset} ({cols})")
    cols = ", ".join(f'"{n}" {PG_TYPES[t]}' for n, t in MANIFEST_COLUMNS)
    cur.execute(f"create table raw.landing_manifest ({cols})")
    for dataset, rows in [
        ("motcua_dossier", DOSSIERS),
        ("motcua_bieu06", BIEU06),
        ("qlvb_document", DOCUMENTS),
        ("dvc_service", SERVICES),
        ("dvc_766_unit", UNITS_766),
        ("dvc_766_measure", MEASURES_766),
    ]:
        names = [n for n, _ in table_columns(dataset)]
        for i, row in enumerate(rows, start=1):
            full = {"batch_id": f"b-{dataset}", "source_file": f"f-{dataset}", "source_row": i, **row}
            cur.execute(
                f"insert into raw.{dataset} values ({', '.join(['%s'] * len(names))})",
                [full.get(n) for n in names],
            )
        cur.execute(
            "insert into raw.landing_manifest ("
            + MANIFEST_INSERT_COLUMNS
            + ", loaded_at) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, current_timestamp)",
            [
                f"b-{dataset}",
                DATASETS[dataset].source_system,
                dataset,
                f"f-{dataset}",
                None,
                None,
                datetime(2026, 11, 1),
                len(rows),
                len(rows),
                0,
                "loaded",
                f"b-{dataset}",
                None,
            ],
        )
    # the real Phú Thọ 766 captures, one batch per file as on DuckDB (chiso_dbt_fixture._insert_phu_tho)
    from psycopg2.extras import execute_values

    for batch in phu_tho_766_batches():
        for dataset, table in batch["tables"].items():
            names = [n for n, _ in table_columns(dataset)][3:]
            rows = [
                [batch["batch_id"], batch["file_name"], r["source_row"], *[r[n] for n in names]]
                for r in table.to_pylist()
            ]
            execute_values(cur, f"insert into raw.{dataset} values %s", rows, page_size=2000)
        cur.execute(
            "insert into raw.landing_manifest ("
            + MANIFEST_INSERT_COLUMNS
            + ", loaded_at) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, current_timestamp)",
            [
                batch["batch_id"],
                "dvc",
                "dvc_766_unit",
                batch["file_name"],
                None,
                None,
                datetime(2026, 11, 1),
                batch["rows_read"],
                batch["tables"]["dvc_766_unit"].num_rows,
                0,
                "loaded",
                batch["batch_id"],
                None,
            ],
        )
    work = tmp_path_factory.mktemp("dbt_pg")
    env = {"CHISO_DBT_TARGET": "postgres", "CHISO_PG_DATABASE": name, "CHISO_PG_SCHEMA": "chiso"}
    with pytest.MonkeyPatch.context() as mp:  # the environment as it was, afterwards
        for k, v in env.items():
            mp.setenv(k, v)
        result = run_dbt(["build"], work)
        failures = [
            f"{r.node.unique_id}: {r.status} {r.message}"
            for r in (result.result or [])
            if str(r.status) not in ("success", "pass", "warn")
        ]
        assert result.success, f"dbt build on postgres failed: {result.exception or failures}"
        # a second run takes the incremental path of the dossiers' and documents' latest state (and re-creates
        # the fact views over them)
        again = run_dbt(["run", "--select", "int_dossier_latest+", "int_document_latest+"], work)
        assert again.success, f"incremental run failed: {again.exception}"
        yield con
        con.close()
        admin.cursor().execute(f'drop database if exists "{name}" with (force)')
        admin.close()


def _normalise(rows):
    out = []
    for row in rows:
        out.append(
            tuple(
                float(v)
                if isinstance(v, (int, float)) and not isinstance(v, bool)
                else (v.isoformat() if isinstance(v, date) else v)
                for v in row
            )
        )
    return out


def test_postgres_mart_equals_duckdb(pg_database, dbt_warehouse, mart):
    cur = pg_database.cursor()
    cur.execute(MART_QUERY.format(schema="marts."))
    pg_rows = _normalise(cur.fetchall())
    duck = mart(MART_QUERY.format(schema=""))
    duck_rows = _normalise([tuple(r.values()) for r in duck])
    assert len(pg_rows) == len(duck_rows) > 50
    assert pg_rows == duck_rows


def test_postgres_key_numbers(pg_database):
    cur = pg_database.cursor()
    cur.execute(
        "select numerator, denominator, actual from marts.mart_kpi_progress where unit_code = '19' "
        "and unit_valid_from = date '2025-07-01' and kpi_code = 'online_dossier_share' "
        "and period_type = 'month' and period_start = date '2025-05-01'"
    )
    assert cur.fetchall() == [(3, 5, 60.0)]
    cur.execute("select count(*), count(distinct dossier_code) from marts.fct_dossier")
    assert cur.fetchall() == [(21, 21)]
    cur.execute("select count(*), count(distinct document_key) from marts.fct_document")
    assert cur.fetchall() == [(4, 4)]
    # the same key as on DuckDB: md5('H14.01|outgoing|01/UBND-VP|2024-03-05')
    cur.execute("select document_key from marts.fct_document where document_number = '01/UBND-VP'")
    assert cur.fetchall() == [("a97964ac7f4f985f7ca8a71056d0392c",)]
    cur.execute(
        "select online_level, is_fee_bearing, dossier_count from marts.dim_procedure order by procedure_code"
    )
    assert cur.fetchall() == [("full", True, 19), ("full", True, 1), (None, True, 1)]
    cur.execute(
        "select published_score, recomputed_score, peer_rank from marts.mart_766_scorecard "
        "where department_id = 'bk-02' and group_code = 'dvc-progress-tree'"
    )
    assert cur.fetchall() == [(12.5, 12.0, 2)]


AGENCY_QUERY = (
    "select agency_code, cast(valid_from as varchar) as vf, dvcqg_department_id, agency_name, agency_name_key, "
    "agency_kind, admin_unit_code, cast(admin_unit_valid_from as varchar) as auvf, match_method, unmatched_reason, "
    "reporting_unit_code from {schema}dim_agency order by 1, 2"
)


def test_postgres_agencies_equal_duckdb(pg_database, mart):
    """The agency learning (name keys, identifier shapes) gives the same agencies on both engines; on Postgres
    too the real Phú Thọ captures place 148 of 148 communes."""
    cur = pg_database.cursor()
    cur.execute(AGENCY_QUERY.format(schema="marts."))
    pg_rows = _normalise(cur.fetchall())
    duck_rows = _normalise([tuple(r.values()) for r in mart(AGENCY_QUERY.format(schema=""))])
    assert len(pg_rows) == len(duck_rows) > 170
    assert pg_rows == duck_rows
    cur.execute(
        "select count(*), count(distinct admin_unit_code) from marts.dim_agency "
        "where agency_prefix = 'H44' and agency_kind = 'commune_committee' and is_matched"
    )
    assert cur.fetchall() == [(148, 148)]
    cur.execute("select source_dataset, agency_code, reason from marts.mart_unknown_agency_codes order by 2")
    assert cur.fetchall() == [
        ("motcua_dossier", "H14.77", "no_unit_with_name"),
        ("motcua_dossier", "H99.01", "unknown_prefix"),
    ]


REVIEW_QUERIES = [
    # every column of the marts of the review (issue 13): exact decimals, baselines, partial periods, evidence
    "select unit_code, cast(unit_valid_from as varchar) as vf, kpi_code, period_type, "
    "cast(period_start as varchar) as ps, baseline_source, cast(baseline_date as varchar) as bd, "
    "is_partial_period, is_period_complete, cast(covered_from as varchar) as cf, cast(covered_to as varchar) as ct, "
    "member_unit_count from {schema}mart_kpi_progress order by 1, 2, 3, 4, 5",
    "select department_id, period_type, cast(period_start as varchar) as ps, group_code, department_code, "
    "unit_code, peer_level, published_score, published_max_score, published_pct_of_max, peer_rank, peer_count, "
    "change_from_previous, recomputed_score, recomputed_difference, own_data_score "
    "from {schema}mart_766_scorecard order by 1, 2, 3, 4",
    "select severity_rank, unit_code, kpi_code, period_type, numerator, denominator, wilson_low_pct, "
    "wilson_high_pct, gap_to_path from {schema}mart_units_behind order by 1",
    "select reporting_unit, cast(period_start as varchar) as ps, reconciliation_status, differing_columns, "
    "likely_cause, diff_resolved_in_time, diff_resolved_late, diff_pending_within_deadline, diff_pending_overdue "
    "from {schema}fct_bieu06_reconciliation order by 1, 2",
]


def test_postgres_review_marts_equal_duckdb(pg_database, mart):
    cur = pg_database.cursor()
    for query in REVIEW_QUERIES:
        cur.execute(query.format(schema="marts."))
        pg_rows = _normalise(cur.fetchall())
        duck_rows = _normalise([tuple(r.values()) for r in mart(query.format(schema=""))])
        assert pg_rows == duck_rows, query
    cur.execute("select count(*) from marts.mart_766_scorecard")
    assert cur.fetchone()[0] > 3000
