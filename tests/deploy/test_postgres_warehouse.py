"""The PostgreSQL warehouse (``CHISO_WAREHOUSE=postgresql://…``) end to end on the local server: the load
(raw layer, manifest, rejected rows, DQ history; one transaction per batch), loads and supersession running
concurrently, dbt's marts equal row for row to DuckDB's from the same files, and the read-only role.

Each test works in a database of its own (created and dropped here).
"""

from __future__ import annotations

import csv
import shutil
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import chiso_sample as sample
import psycopg
import pytest
from chiso import settings
from chiso.ingest import landing, load, parse
from chiso.ingest.batch import Batch
from chiso.quality import gate
from chiso.warehouse import dbt
from chiso.warehouse.postgres_backend import READER_ROLE, placeholders
from ingest_steps import ingest
from marts_compare import compare_marts, norm

pytestmark = pytest.mark.postgres

HOST, PORT = "127.0.0.1", 5432


def _admin() -> psycopg.Connection:
    return psycopg.connect(host=HOST, port=PORT, user="postgres", dbname="postgres", autocommit=True)


@pytest.fixture
def pg_db(monkeypatch):
    """A fresh database; ``CHISO_WAREHOUSE`` points at it."""
    name = f"chiso_deploy2_test_{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("CHISO_WAREHOUSE", f"postgresql://postgres@{HOST}:{PORT}/{name}")
    yield name
    with _admin() as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


def _q(dbname: str, sql: str, params=()):
    with psycopg.connect(host=HOST, port=PORT, user="postgres", dbname=dbname) as con:
        return con.execute(placeholders(sql), list(params)).fetchall()


@pytest.fixture
def generated(chiso_data):
    sample.generate(
        settings.incoming_dir(),
        seed=11,
        provinces=1,
        start="2025-06",
        end="2025-07",
        dossiers_per_month=60,
        documents_per_month=15,
    )
    return chiso_data


def _validated(source: str) -> list[Batch]:
    return gate.validate(parse.parse([Batch(landed=rec) for rec in landing.land_new(source)]))


def test_settings_switch_on_the_url(monkeypatch, tmp_path):
    monkeypatch.setenv("CHISO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHISO_WAREHOUSE", "postgresql://chiso@db.example:6543/wh")
    monkeypatch.setenv("CHISO_PG_PASSWORD", "s3cret")
    assert settings.warehouse_dialect() == "postgres" and dbt.default_target() == "postgres"
    assert settings.warehouse_postgres() == {
        "host": "db.example",
        "port": "6543",
        "user": "chiso",
        "password": "s3cret",
        "dbname": "wh",
    }
    env = dbt.dbt_env()
    assert (env["CHISO_PG_HOST"], env["CHISO_PG_PORT"], env["CHISO_PG_DATABASE"]) == (
        "db.example",
        "6543",
        "wh",
    )
    assert "s3cret" not in settings.warehouse_label()
    monkeypatch.setenv("CHISO_WAREHOUSE", str(tmp_path / "w.duckdb"))
    assert settings.warehouse_dialect() == "duckdb" and settings.warehouse_path() == tmp_path / "w.duckdb"


def test_placeholders_leave_quoted_text_alone():
    assert placeholders("select '?', \"a?\" from t where x = ? and y like '5%'") == (
        "select '?', \"a?\" from t where x = %s and y like '5%%'"
    )


def test_every_source_loads_into_postgres_with_its_accounting(generated, pg_db, monkeypatch):
    monkeypatch.setenv("CHISO_MAX_REJECT_SHARE", "0.5")
    f = sorted((settings.incoming_dir() / "motcua").rglob("hoso_*_2025-07.csv"))[0]
    with open(f, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[1]["TrangThaiHoSo"] = "Đang \"treo\", 'tạm'"  # quotes and a comma travel through COPY's CSV
    with open(f, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    for source in ("motcua", "qlvb", "dvc"):
        results = ingest(source)
        assert results and all(r.status == "loaded" for r in results), [r.error for r in results]
    manifest = _q(
        pg_db, "select source_system, rows_read, rows_loaded, rows_rejected, status from raw.landing_manifest"
    )
    assert {r[0] for r in manifest} == {"motcua", "qlvb", "dvc"}
    assert all(
        read == loaded + rejected and status == "loaded" for _, read, loaded, rejected, status in manifest
    )
    n_csv = 0
    for g in (settings.incoming_dir() / "motcua").rglob("hoso_*.csv"):
        with open(g, encoding="utf-8-sig", newline="") as fh:
            n_csv += sum(1 for _ in csv.DictReader(fh))
    assert _q(pg_db, "select count(*) from raw.motcua_dossier")[0][0] == n_csv - 1
    assert _q(pg_db, "select source_row, column_name, found from raw.rejected_row") == [
        (2, "TrangThaiHoSo", "Đang \"treo\", 'tạm'")
    ]
    runs = _q(pg_db, "select count(*), bool_and(success) from raw.dq_run")
    assert runs[0][0] >= len(manifest) and runs[0][1]


def test_a_batch_is_written_whole_or_not_at_all(generated, pg_db):
    [first, *_] = _validated("qlvb")
    broken = first.but(rows_read=(first.rows_read or 0) + 1)  # the accounting check fails after the inserts
    with pytest.raises(RuntimeError, match="accounting broken"):
        load.load([broken])
    assert _q(pg_db, "select count(*) from raw.qlvb_document") == [(0,)]
    assert _q(pg_db, "select count(*) from raw.landing_manifest") == [(0,)]
    assert _q(pg_db, "select count(*) from raw.dq_run") == [(0,)]
    assert load.load([first])[0].status == "loaded"
    assert _q(pg_db, "select count(*) from raw.qlvb_document where batch_id = ?", [first.batch_id]) == [
        (
            first.rows_loaded
            if first.rows_loaded is not None
            else first.rows_read - (first.rows_rejected or 0),
        )
    ]


def test_sources_load_in_parallel_and_supersession_is_safe(generated, pg_db, monkeypatch):
    # three sources' loads at the same time, each on its own connection
    by_source = {s: _validated(s) for s in ("motcua", "qlvb", "dvc")}
    barrier = threading.Barrier(3)

    def go(batches):
        barrier.wait()
        return load.load(batches)

    with ThreadPoolExecutor(3) as pool:
        done = [b for result in pool.map(go, by_source.values()) for b in result]
    assert done and all(b.status == "loaded" for b in done)
    assert _q(pg_db, "select count(*) from raw.landing_manifest where status = 'loaded'") == [(len(done),)]
    # two corrected versions of one export, loaded at the same moment: exactly one stays loaded
    f = sorted((settings.incoming_dir() / "motcua").rglob("hoso_*_2025-07.csv"))[0]
    lines = f.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    f.write_text("\ufeff" + "".join(lines[:-2]), encoding="utf-8")
    [v2] = _validated("motcua")
    f.write_text("\ufeff" + "".join(lines[:-4]), encoding="utf-8")
    [v3] = _validated("motcua")
    assert v2.supersede_key == v3.supersede_key
    barrier = threading.Barrier(2)
    write_manifest_rows = load.write_manifest_rows

    def slow_manifest_rows(*args, **kwargs):  # widen the window between reading the manifest and committing
        time.sleep(0.5)
        return write_manifest_rows(*args, **kwargs)

    monkeypatch.setattr(load, "write_manifest_rows", slow_manifest_rows)
    with ThreadPoolExecutor(2) as pool:
        results = [r[0] for r in pool.map(go, [[v2], [v3]])]
    assert all(r.status == "loaded" for r in results)
    states = _q(
        pg_db,
        "select batch_id, status, rows_loaded from raw.landing_manifest where supersede_key = ?",
        [v2.supersede_key],
    )
    loaded = [(b, n) for b, s, n in states if s == "loaded"]
    assert len(states) == 3 and len(loaded) == 1, states
    assert sorted(s for _, s, _ in states) == ["loaded", "superseded", "superseded"]
    [(winner, n)] = loaded
    assert _q(
        pg_db,
        "select batch_id, count(*) from raw.motcua_dossier where source_file like ? group by 1",
        [f"%{f.name}"],
    ) == [(winner, n)]


# ---------------------------------------------------------------- marts on both warehouses, and the reader


@pytest.fixture(scope="module")
def both_warehouses(tmp_path_factory):
    """The same generated files loaded and built on DuckDB and on PostgreSQL."""
    mp = pytest.MonkeyPatch()
    data = tmp_path_factory.mktemp("both") / "data"
    data.mkdir()
    mp.setenv("CHISO_DATA_DIR", str(data))
    mp.setenv("CHISO_PII_KEY", "test-key-not-a-secret")
    for name in (
        "CHISO_INCOMING_DIR",
        "CHISO_LANDING_DIR",
        "CHISO_WORK_DIR",
        "CHISO_QUARANTINE_DIR",
        "CHISO_WAREHOUSE",
    ):
        mp.delenv(name, raising=False)
    name = f"chiso_deploy2_marts_{uuid.uuid4().hex[:8]}"
    try:
        sample.generate(
            settings.incoming_dir(),
            seed=7,
            provinces=1,
            start="2025-05",
            end="2025-07",
            dossiers_per_month=80,
            documents_per_month=20,
        )
        batches = [b for s in ("motcua", "qlvb", "dvc") for b in _validated(s)]
        assert batches and all(b.status == "validated" for b in batches), [b.error for b in batches]
        # a load removes its batches' parsed files: keep a copy so the same batches load into PostgreSQL too
        parsed = data.parent / "parsed-copy"
        shutil.copytree(settings.work_dir(), parsed)
        duck = load.load(batches)
        dbt.build()
        shutil.rmtree(settings.work_dir(), ignore_errors=True)
        shutil.copytree(parsed, settings.work_dir())
        mp.setenv("CHISO_WAREHOUSE", f"postgresql://postgres@{HOST}:{PORT}/{name}")
        pg = load.load(batches)
        assert [b.rows_loaded for b in pg] == [b.rows_loaded for b in duck]
        dbt.build()
        yield settings.data_dir() / "warehouse.duckdb", name
    finally:
        mp.undo()
        with _admin() as admin:
            admin.execute(f'drop database if exists "{name}" with (force)')


def test_postgres_marts_equal_duckdb_row_for_row(both_warehouses):
    duck_path, pg_name = both_warehouses
    counts = compare_marts(duck_path, pg_name)
    assert counts["mart_kpi_progress"] > 20 and sum(counts.values()) > 100


def _as_reader(dbname: str) -> psycopg.Connection:
    return psycopg.connect(host=HOST, port=PORT, user=READER_ROLE, dbname=dbname, autocommit=True)


def test_reader_reads_the_marts_and_writes_nothing(both_warehouses):
    _, pg_name = both_warehouses
    with _as_reader(pg_name) as con:
        assert con.execute("select count(*) from marts.mart_kpi_progress").fetchone()[0] > 20
        con.execute("set default_transaction_read_only = off")  # what the role may change, it changes
        attempts = [
            "insert into marts.mart_kpi_progress (kpi_code) values ('x')",
            "delete from marts.mart_kpi_progress",
            "update marts.mart_kpi_progress set kpi_code = kpi_code",
            "truncate marts.mart_kpi_progress",
            "drop table marts.mart_kpi_progress",
            "create table marts.mine (x int)",
            "create table public.mine (x int)",
            "create temporary table mine (x int)",
            "create schema mine",
            "insert into raw.landing_manifest (batch_id) values ('x')",
            "select count(*) from raw.motcua_dossier",
        ]
        for sql in attempts:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                con.execute(sql)
    assert _q(pg_name, "select count(*) from marts.mart_kpi_progress")[0][0] > 20


def _latest_statuses(data) -> list[tuple]:
    from chiso.warehouse import backend

    with backend.connect(read_only=True) as wh:
        rows = data.latest_statuses(wh)
    return sorted((r["unit_code"], r["kpi_code"], r["status"], norm(r["actual"])) for r in rows)


def test_report_and_freshness_read_postgres(both_warehouses, monkeypatch, tmp_path):
    duck_path, pg_name = both_warehouses
    from chiso.people import report
    from chiso.quality import freshness

    monkeypatch.setenv("CHISO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHISO_WAREHOUSE", str(duck_path))
    duck_rows = report.latest_rows()
    monkeypatch.setenv("CHISO_WAREHOUSE", f"postgresql://postgres@{HOST}:{PORT}/{pg_name}")
    pg_rows = report.latest_rows()
    assert len(pg_rows) == len(duck_rows) > 0
    assert [(r["unit_code"], r["kpi_code"], norm(r["actual"])) for r in pg_rows] == [
        (r["unit_code"], r["kpi_code"], norm(r["actual"])) for r in duck_rows
    ]
    # the HTML report and the notices read the same figures from Postgres (column names from the cursor)
    from chiso.people import data, html_report

    monkeypatch.setenv("CHISO_WAREHOUSE", str(duck_path))
    duck_snap, duck_statuses = data.snapshot(), _latest_statuses(data)
    monkeypatch.setenv("CHISO_WAREHOUSE", f"postgresql://postgres@{HOST}:{PORT}/{pg_name}")
    pg_snap, pg_statuses = data.snapshot(), _latest_statuses(data)
    assert [(p.code, p.name, sorted(p.latest)) for p in pg_snap.provinces] == [
        (p.code, p.name, sorted(p.latest)) for p in duck_snap.provinces
    ] and pg_snap.provinces
    assert pg_statuses == duck_statuses and pg_statuses
    # notices: a first run records the baseline, a second one sends nothing new, on either warehouse
    from chiso.people import notices

    sent = []
    for where in (str(duck_path), f"postgresql://postgres@{HOST}:{PORT}/{pg_name}"):
        monkeypatch.setenv("CHISO_WAREHOUSE", where)
        first = notices.run(send_mail=lambda to, subject, body: sent.append(subject) or ("test", True, "ok"))
        again = notices.run(send_mail=lambda to, subject, body: sent.append(subject) or ("test", True, "ok"))
        assert first["counts"].get("baseline") == len(pg_statuses) and again["counts"] == {}, (where, first, again)
    assert sent == []  # a baseline is recorded, not sent
    index = html_report.write(tmp_path / "report", pg_snap)
    assert index.exists() and (tmp_path / "report" / html_report.WORKBOOK).exists()
    checked = freshness.check(today=date(2025, 8, 10), notify=False)
    # plans were not loaded here: no plan is no fresh plan
    assert {r["source_system"]: r["ok"] for r in checked} == {"motcua": True, "qlvb": True, "dvc": True, "plans": False}
    assert _q(pg_name, "select count(*) from raw.dq_run where dataset = 'freshness'") == [(4,)]  # one per source, plans included
