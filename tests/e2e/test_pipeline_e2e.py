"""End to end through Airflow: sample exports → the four DAGs (`airflow dags test`) → warehouse.

The numbers in ``mart_kpi_progress`` are checked against values computed here, independently, from the
generated export files with nothing but the csv module and openpyxl.
"""

from __future__ import annotations

import csv
import glob
from pathlib import Path

import duckdb
import pytest
from delivered import chat_text

pytestmark = pytest.mark.e2e

START, END = "2025-05", "2025-08"


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    data = tmp_path_factory.mktemp("e2e") / "data"
    env = {
        "CHISO_DATA_DIR": str(data),
        "AIRFLOW_HOME": str(data.parent / "airflow"),
        "CHISO_PII_KEY": "e2e-test-key",
    }
    with pytest.MonkeyPatch.context() as mp:  # the environment as it was, afterwards
        for k, v in env.items():
            mp.setenv(k, v)
        import chiso_sample as sample
        from chiso.orchestration import airflow_runner

        sample.generate(data / "incoming", seed=7, provinces=2, start=START, end=END,
                        dossiers_per_month=120, documents_per_month=40)
        airflow_runner.init(echo=lambda s: None)
        airflow_runner.run_all(echo=print)
        yield data


def _prefixes():
    with open(Path(__file__).resolve().parents[2] / "dbt_project/seeds/ref_provinces.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _successor_members(code: str) -> set[str]:
    """Agency prefixes whose history a current province's series carries (itself and its predecessors)."""
    rows = _prefixes()
    members = {r["agency_prefix"] for r in rows if r["province_code"] == code and r["valid_to"] == ""}
    members |= {r["agency_prefix"] for r in rows if r["valid_to"] and r["successor_code"] == code}
    return members


def _dossiers(incoming: Path) -> dict[str, dict]:
    """Current state of each dossier: its row in the latest month's export."""
    latest: dict[str, tuple[str, dict]] = {}
    for f in sorted(glob.glob(str(incoming / "motcua" / "*" / "hoso_*.csv"))):
        period = Path(f).stem.rsplit("_", 1)[-1]
        with open(f, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                code = row["MaHoSo"].strip()
                if code not in latest or latest[code][0] <= period:
                    latest[code] = (period, row)
    return {k: v[1] for k, v in latest.items()}


def _month(ts: str) -> str:  # "15/01/2023 08:42:10" -> "2023-01"
    d = ts.strip().split(" ")[0].split("/")
    return f"{d[2]}-{d[1]}"


def _mart(data: Path, sql: str, params=()):
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def _mart_row(data, unit_code, kpi, month):
    rows = _mart(
        data,
        """select numerator, denominator, actual from marts.mart_kpi_progress
           where unit_code = ? and unit_valid_to is null and kpi_code = ? and period_type = 'month'
             and period_start = cast(? as date)""",
        (unit_code, kpi, f"{month}-01"),
    )
    assert len(rows) == 1, f"expected one mart row for {unit_code} {kpi} {month}, got {rows}"
    return rows[0]


@pytest.mark.parametrize("unit_code", ["04", "19"])
@pytest.mark.parametrize("month", ["2025-06", "2025-08"])
def test_online_share_and_payment_rate_match_the_files(pipeline, unit_code, month):
    members = _successor_members(unit_code)
    received = online = fee = paid = 0
    for d in _dossiers(pipeline / "incoming").values():
        if d["MaCoQuan"].split(".")[0] not in members or _month(d["NgayTiepNhan"]) != month:
            continue
        received += 1
        online += d["KenhThucHien"].strip() == "2"
        if d["PhiLePhi"].strip() and int(d["PhiLePhi"]) > 0:
            fee += 1
            paid += d["DuocThanhToanTrucTuyen"].strip() in ("1", "2")
    assert received > 0
    num, den, actual = _mart_row(pipeline, unit_code, "online_dossier_share", month)
    assert (num, den) == (online, received)
    assert float(actual) == pytest.approx(100.0 * online / received, abs=0.01)
    num, den, _ = _mart_row(pipeline, unit_code, "online_payment_rate", month)
    assert (num, den) == (paid, fee)


def test_successor_series_carries_bac_kan_history(pipeline):
    # Thái Nguyên (19) in June 2025 = old Bắc Kạn (06) + old Thái Nguyên (19), numerators added
    bk = _mart(pipeline, """select numerator, denominator from marts.mart_kpi_progress
                            where unit_code = '06' and kpi_code = 'online_dossier_share'
                              and period_type = 'month' and period_start = date '2025-06-01'""")
    tn = _mart_row(pipeline, "19", "online_dossier_share", "2025-06")
    assert len(bk) == 1, "a province that ceased to exist stays queryable for its own past"
    assert bk[0][1] > 0 and tn[1] > bk[0][1]
    after = _mart(pipeline, """select count(*) from marts.mart_kpi_progress
                               where unit_code = '06' and period_start >= date '2025-07-01'""")
    assert after[0][0] == 0


def test_electronic_document_share_matches_the_registers(pipeline):
    import openpyxl

    members = _successor_members("04")
    total = electronic = 0
    for f in glob.glob(str(pipeline / "incoming" / "qlvb" / "*" / "sovanban_*_2025-08.xlsx")):
        ws = openpyxl.load_workbook(f, read_only=True)["SoVanBan"]
        header = None
        for row in ws.iter_rows(values_only=True):
            if header is None:
                if row and "Số, ký hiệu" in [str(c).strip() if c else "" for c in row]:
                    header = [str(c).strip() if c else "" for c in row]
                continue
            rec = dict(zip(header, row))
            if not rec.get("Số, ký hiệu") or str(rec.get("Mã cơ quan", "")).split(".")[0] not in members:
                continue
            if str(rec["Độ mật"]).strip() != "Thường":
                continue
            total += 1
            electronic += str(rec["Hình thức"]).strip() == "Điện tử"
    assert total > 0
    num, den, _ = _mart_row(pipeline, "04", "electronic_document_share", "2025-08")
    assert (num, den) == (electronic, total)


def test_every_file_is_accounted_for(pipeline):
    rows = _mart(pipeline, "select file_name, rows_read, rows_loaded, rows_rejected, status from raw.landing_manifest")
    n_files = sum(len(glob.glob(str(pipeline / "incoming" / s / "**" / "*.*"), recursive=True))
                  for s in ("motcua", "qlvb", "dvc", "plans"))
    n_manifests = len(glob.glob(str(pipeline / "incoming" / "dvc" / "**" / "manifest*.json"), recursive=True))
    assert len(rows) == n_files - n_manifests
    for name, read, loaded, rejected, status in rows:
        assert read == loaded + rejected, name
        assert status == "loaded", name


def test_no_personal_identifier_reaches_the_warehouse(pipeline):
    ids = set()
    for f in glob.glob(str(pipeline / "incoming" / "motcua" / "*" / "hoso_*_2025-08.csv")):
        with open(f, encoding="utf-8-sig", newline="") as fh:
            ids |= {r["SoCCCD"] for r in csv.DictReader(fh) if r["SoCCCD"]}
    assert ids
    cols = {c for (c,) in _mart(pipeline, """select column_name from information_schema.columns
                                              where table_schema = 'raw' and table_name = 'motcua_dossier'""")}
    assert not cols & {"SoCCCD", "HoTenNguoiNop", "SoDienThoai", "DiaChi", "applicant_id", "applicant_name"}
    sample = list(ids)[:50]
    hits = _mart(pipeline, "select count(*) from raw.motcua_dossier where applicant_key in (select unnest(?))",
                 (sample,))
    assert hits[0][0] == 0


def test_rerun_changes_nothing(pipeline):
    from chiso.orchestration import airflow_runner

    before = _mart(pipeline, "select count(*), sum(rows_loaded) from raw.landing_manifest")
    airflow_runner.run_dag("ingest_motcua", echo=lambda s: None)
    after = _mart(pipeline, "select count(*), sum(rows_loaded) from raw.landing_manifest")
    assert before == after


@pytest.fixture
def webhook(http_receiver, monkeypatch):
    """The payloads a real HTTP receiver gets as the chiso_webhook connection."""
    port, received = http_receiver
    # the DAG runs in an `airflow dags test` child process: the connection travels in its environment
    monkeypatch.setenv("AIRFLOW_CONN_CHISO_WEBHOOK", f"http://127.0.0.1:{port}/dq")
    monkeypatch.setenv("CHISO_ALERT_BACKOFF", "0")
    return received  # (path, content type, payload) per POST


def test_failed_expectation_is_quarantined_through_airflow(pipeline, webhook):
    """The other path of the gate: a re-sent 766 response with a score above its maximum and a ratio over
    100 fails `error` expectations inside the Airflow run; it is quarantined, the alert reaches a real HTTP
    receiver, and the marts keep the last good data."""
    import json

    from chiso.orchestration import airflow_runner

    src = sorted((pipeline / "incoming" / "dvc").rglob("dvc-progress-tree/month-2025-08.json"))[0]
    doc = json.loads(src.read_text(encoding="utf-8"))
    child = doc["data"]["children"][0]
    good = _mart(pipeline, """select published_score from marts.mart_766_scorecard
                              where department_id = ? and group_code = 'dvc-progress-tree'
                                and period_type = 'month' and period_start = date '2025-08-01'""",
                 (child["departmentId"],))
    assert len(good) == 1
    child["score"], child["ratio"] = child["maxScore"] + 5, 180.0
    src.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")

    airflow_runner.run_dag("ingest_dvc", echo=lambda s: None)
    airflow_runner.run_dag("build_warehouse", echo=lambda s: None)

    status = _mart(pipeline, "select status, rows_loaded, error from raw.landing_manifest where file_name = ?",
                   (src.relative_to(pipeline / "incoming" / "dvc").as_posix(),))
    assert sorted(s for s, _, _ in status) == ["loaded", "quarantined"]
    quarantined = next(r for r in status if r[0] == "quarantined")
    assert quarantined[1] == 0 and "ratio" in quarantined[2]
    runs = _mart(pipeline, "select dataset, success, action from raw.dq_run where action = 'quarantined'")
    assert ("dvc_766_unit", False, "quarantined") in runs
    # the build DAG's freshness check also alerts (this sample ends in 2025-08): pick the gate's alert
    gate_alerts = [p for _, _, p in webhook if "month-2025-08.json" in chat_text(p)]
    assert len(gate_alerts) == 1
    assert any("freshness" in chat_text(p) for _, _, p in webhook)
    text = chat_text(gate_alerts[0])
    assert "month-2025-08.json" in text and "2025-08-01" in text and "ratio" in text and "Data Docs" in text
    delivered = _mart(pipeline, "select count(*) from raw.dq_alert where channel = 'webhook' and delivered "
                                "and file_name is not null")
    assert delivered[0][0] == 1
    after = _mart(pipeline, """select published_score from marts.mart_766_scorecard
                               where department_id = ? and group_code = 'dvc-progress-tree'
                                 and period_type = 'month' and period_start = date '2025-08-01'""",
                  (child["departmentId"],))
    assert after == good, "the marts keep the last good data"
    assert list((pipeline / "quarantine" / "dvc").rglob("error_report.json"))


def test_a_task_failing_under_airflow_alerts_once_and_a_later_run_loads_the_file(pipeline, webhook, monkeypatch):
    """A correction arrives while another process holds the warehouse: the ingestion run's task fails through
    its retries under Airflow, and its failure notifier sends exactly one alert naming the DAG, the task and
    the error; the next run, with the warehouse free, loads the file (nothing lost)."""
    from chiso.orchestration import airflow_runner
    from chiso.quality import alerts

    latest = sorted((pipeline / "incoming" / "motcua").glob("*/hoso_*.csv"))[-1]
    lines = latest.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    latest.write_text("\ufeff" + "".join(lines[:-1]), encoding="utf-8")  # a re-export one dossier shorter
    before = {p.name for p in alerts.outbox_dir().glob("task-*.json")}
    monkeypatch.setenv("CHISO_WAREHOUSE_LOCK_WAIT", "3")  # a writer waits 3 s for the file, not 10 minutes
    holder = duckdb.connect(str(pipeline / "warehouse.duckdb"))  # a writer elsewhere: the file is locked
    try:
        with pytest.raises(RuntimeError, match="ingest_motcua ended failed"):
            airflow_runner.run_dag("ingest_motcua", echo=lambda s: None)
    finally:
        holder.close()
    new = sorted(set(p.name for p in alerts.outbox_dir().glob("task-*.json")) - before)
    assert len(new) == 1, new
    alert = alerts.read_record(new[0].removesuffix(".json"))
    assert alert["dag_id"] == "ingest_motcua" and alert["try_number"] == 3, alert
    assert "lock" in alert["error"].lower(), alert["error"]
    failures = [p for _, _, p in webhook if "ingest_motcua" in chat_text(p) and alert["task_id"] in chat_text(p)]
    assert len(failures) == 1 and "LỖI: tác vụ" in chat_text(failures[0]), [chat_text(p)[:200] for _, _, p in webhook]

    airflow_runner.run_dag("ingest_motcua", echo=lambda s: None)
    name = f"{latest.parent.name}/{latest.name}"
    rows = _mart(pipeline, "select status, rows_read from raw.landing_manifest where file_name = ? "
                           "order by received_at", [name])  # fmt: skip
    assert rows[-1] == ("loaded", len(lines) - 2), rows  # the correction (header and one dossier fewer)


def test_the_build_starts_from_the_parse_made_while_a_lane_was_idle(pipeline):
    """The first lane out of ingestion work has dbt parse the project; the build then reads that parse instead
    of parsing the project itself (a first run on a new checkout spares the build a full parse)."""
    import re

    log = (pipeline / "dbt" / "logs" / "dbt.log").read_text(encoding="utf-8")
    commands = []
    for chunk in log.split("Running with dbt=")[1:]:  # one chunk per dbt command, in order
        m = re.search(r"Command `dbt (\w+)` (succeeded|failed)", chunk)
        commands.append((m.group(1) if m else "?", chunk))
    assert [c for c, _ in commands][:2] == ["parse", "build"], [c for c, _ in commands]
    build = commands[1][1]
    assert "Partial parsing enabled" in build and "Starting full parse" not in build
