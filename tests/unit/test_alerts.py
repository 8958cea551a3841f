"""Alerts reach a real SMTP server and a real HTTP receiver on localhost; a channel that is down is retried,
logged, and never loses the alert record."""

from __future__ import annotations

import json
import socket
from datetime import date

from chiso.ingest.batch import Batch
from chiso.ingest.landing import LandedFile
from chiso.quality import alerts
from delivered import chat_text, mail_text

BATCH = Batch(
    landed=LandedFile(batch_id="e" * 64, sha256="f" * 64, source_system="motcua",
                      original_path="/incoming/motcua/04/hoso_04_2025-08.csv", relative_name="04/hoso_04_2025-08.csv",
                      landed_path="/landing/motcua/ff/04/hoso_04_2025-08.csv", size_bytes=1,
                      received_at="2025-09-01T00:00:00+00:00"),
    status="validation_failed",
    dataset="motcua_dossier",
    period_start=date(2025, 8, 1),
    period_end=date(2025, 8, 31),
    meta={"units": ["H13.01", "H13.100"]},
)
OUTCOME = {
    "data_docs_url": "file:///data/dq/data_docs/validations/motcua_dossier/fff.html",
    "suites": [{
        "dataset": "motcua_dossier",
        "checks": [
            {"expectation": "expect_column_values_to_be_in_set", "kwargs": {"column": "channel", "value_set": [1, 2, 3]},
             "severity": "error", "success": False, "why": "channel codes",
             "description": "Kênh thực hiện: 1 trực tiếp, 2 trực tuyến, 3 bưu chính công ích.", "observed": None, "unexpected_count": 3,
             "unexpected_percent": 1.5, "sample": ["7", "9"], "exception": None},
            {"expectation": "expect_column_values_to_not_be_null", "kwargs": {"column": "dossier_code"},
             "severity": "error", "success": True, "why": "", "observed": None, "unexpected_count": 0,
             "unexpected_percent": 0.0, "sample": [], "exception": None},
        ],
    }],
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_alert_reaches_email_and_webhook(chiso_data, smtp_server, http_receiver, monkeypatch):
    smtp_port, mails = smtp_server
    http_port, posts = http_receiver
    monkeypatch.setenv("AIRFLOW_CONN_CHISO_SMTP",
                       f"smtp://127.0.0.1:{smtp_port}?disable_ssl=true&disable_tls=true&from_email=chiso%40tinh.gov.vn&recipients=dq%40tinh.gov.vn,ops%40tinh.gov.vn")
    monkeypatch.setenv("AIRFLOW_CONN_CHISO_WEBHOOK", f"http://127.0.0.1:{http_port}/hooks/dq")
    alert = alerts.build_alert(BATCH, OUTCOME)
    record = alerts.dispatch(alert, backoff=0)

    assert [d["ok"] for d in record["deliveries"]] == [True, True]
    assert len(mails) == 1
    mail, body = mail_text(mails[0])
    assert mails[0].rcpt_tos == ["dq@tinh.gov.vn", "ops@tinh.gov.vn"] and mail["From"] == "chiso@tinh.gov.vn"
    assert "motcua" in mail["Subject"] and "hoso_04_2025-08.csv" in mail["Subject"]
    assert "2025-08-01 → 2025-08-31" in body and "H13.01" in body
    assert "channel" in body and "cần một trong [1, 2, 3]" in body and "thực tế 3 dòng không đạt" in body
    assert "7, 9" in body
    assert "Giải thích: Kênh thực hiện: 1 trực tiếp, 2 trực tuyến, 3 bưu chính công ích." in body
    assert "dossier_code" not in body, "passed expectations are not listed"
    assert OUTCOME["data_docs_url"] in body

    assert len(posts) == 1
    path, ctype, payload = posts[0]
    assert path == "/hooks/dq" and ctype == "application/json"
    assert payload["title"] == mail["Subject"], "Apprise's JSON notification: the subject as its title"
    assert "expect_column_values_to_be_in_set" in payload["message"] and OUTCOME["data_docs_url"] in payload["message"]


def test_channel_down_is_retried_and_recorded(chiso_data, http_receiver, monkeypatch, caplog):
    http_port, posts = http_receiver
    dead = _free_port()  # nothing listens there
    monkeypatch.setenv("AIRFLOW_CONN_CHISO_SMTP", f"smtp://127.0.0.1:{dead}?disable_ssl=true&disable_tls=true&recipients=dq%40tinh.gov.vn")
    monkeypatch.setenv("AIRFLOW_CONN_CHISO_WEBHOOK", f"http://127.0.0.1:{http_port}/hook")
    record = alerts.dispatch(alerts.build_alert(BATCH, OUTCOME), attempts=3, backoff=0)

    smtp, hook = record["deliveries"]
    assert smtp["channel"] == "smtp" and not smtp["ok"] and "after 3 attempts" in smtp["detail"]
    assert hook["ok"] and len(posts) == 1, "one channel down does not stop the others"
    assert sum("attempt" in r.message and "failed" in r.message for r in caplog.records) == 3
    saved = json.loads((alerts.outbox_dir() / f"{record['alert_id']}.json").read_text())
    assert saved["deliveries"] == record["deliveries"], "the alert record survives the failed channel"


def test_stale_source_is_recorded_and_alerted(chiso_data, http_receiver, monkeypatch):
    from datetime import date

    from chiso.quality import freshness
    from chiso.warehouse import backend, schema

    http_port, posts = http_receiver
    monkeypatch.setenv("AIRFLOW_CONN_CHISO_WEBHOOK", f"http://127.0.0.1:{http_port}/hook")
    monkeypatch.delenv("AIRFLOW_CONN_CHISO_SMTP", raising=False)
    monkeypatch.setenv("CHISO_FRESHNESS_MAX_DAYS_QLVB", "10")
    con = backend.connect()
    schema.ensure_raw_schema(con)
    # plans come once a year: their own limit (400 days) keeps a January plan fresh in November
    for source, end in (("motcua", "2026-10-31"), ("qlvb", "2026-09-30"), ("dvc", "2026-10-31"),
                        ("plans", "2026-01-01")):
        con.execute("insert into raw.landing_manifest (batch_id, source_system, period_end, status) "
                    "values (?, ?, ?, 'loaded')", [source, source, end])
    results = {r["source_system"]: r for r in freshness.check(today=date(2026, 11, 21), wh=con)}
    assert results["motcua"]["ok"] and results["motcua"]["age_days"] == 21
    assert not results["qlvb"]["ok"] and results["qlvb"]["age_days"] == 52
    runs = con.execute("select source_system, success from raw.dq_run where dataset = 'freshness' "
                       "order by 1").fetchall()
    assert runs == [("dvc", True), ("motcua", True), ("plans", True), ("qlvb", False)]
    assert results["plans"]["age_days"] == 324
    assert con.execute("select count(*) from raw.dq_alert where source_system = 'qlvb' and delivered").fetchone()[0] == 1
    con.close()
    assert len(posts) == 1 and "qlvb" in chat_text(posts[0][2]) and "52 ngày" in chat_text(posts[0][2])


def test_webhook_keeps_its_query_string_and_records_only_the_connection_id(chiso_data, http_receiver, monkeypatch):
    http_port, posts = http_receiver
    monkeypatch.delenv("AIRFLOW_CONN_CHISO_SMTP", raising=False)
    monkeypatch.setenv("AIRFLOW_CONN_CHISO_WEBHOOK", f"http://127.0.0.1:{http_port}/hooks/dq?token=s3cret-42&room=7")
    record = alerts.dispatch(alerts.build_alert(BATCH, OUTCOME), backoff=0)

    assert [p[0] for p in posts] == ["/hooks/dq?token=s3cret-42&room=7"]
    assert [(d["channel"], d["target"], d["ok"]) for d in record["deliveries"]] == [("webhook", "chiso_webhook", True)]
    saved = (alerts.outbox_dir() / f"{record['alert_id']}.json").read_text(encoding="utf-8")
    assert "s3cret-42" not in saved, "the outbox names the connection, never its URL or token"


def test_a_failing_webhook_never_writes_its_url(chiso_data, monkeypatch, caplog):
    """A webhook that cannot be reached (its host does not resolve) is retried, and recorded and logged by its
    connection id: its path and token never reach the outbox, the detail or the log."""
    monkeypatch.delenv("AIRFLOW_CONN_CHISO_SMTP", raising=False)
    monkeypatch.setenv("AIRFLOW_CONN_CHISO_WEBHOOK", "https://chat.example.invalid/hooks/T0-s3cret-path?token=s3cret-42")
    record = alerts.dispatch(alerts.build_alert(BATCH, OUTCOME), attempts=2, backoff=0)

    (hook,) = record["deliveries"]
    assert (hook["channel"], hook["target"], hook["ok"]) == ("webhook", "chiso_webhook", False)
    assert "after 2 attempts" in hook["detail"] and "chat.example.invalid" in hook["detail"], hook["detail"]
    saved = (alerts.outbox_dir() / f"{record['alert_id']}.json").read_text(encoding="utf-8")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "attempt 2/2 failed" in logged
    for text in (saved, logged, hook["detail"]):
        assert "s3cret" not in text


def test_a_webhook_that_is_not_http_fails_with_a_reason_and_no_url(chiso_data, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_CHISO_SMTP", raising=False)
    monkeypatch.setenv("AIRFLOW_CONN_CHISO_WEBHOOK", "ftp://chat.example.invalid/T0-s3cret-path")
    record = alerts.dispatch(alerts.build_alert(BATCH, OUTCOME), attempts=1, backoff=0)
    (hook,) = record["deliveries"]
    assert not hook["ok"] and "chiso_webhook: the connection's URL is not an http:// or https:// address" in hook["detail"]
    assert "s3cret" not in json.dumps(record)


def test_apprise_connection_delivers_to_each_of_its_services(chiso_data, http_receiver, monkeypatch):
    """The Apprise provider's connection (config: a list of Apprise URLs, as a province office lists its
    Zalo, Telegram or Teams channels) gets the alert on every service, recorded once under its id."""
    http_port, posts = http_receiver
    monkeypatch.delenv("AIRFLOW_CONN_CHISO_SMTP", raising=False)
    config = [{"path": f"json://127.0.0.1:{http_port}/zalo?-access_token=z4lo-s3cret", "tag": "dq"},
              {"path": f"json://127.0.0.1:{http_port}/teams", "tag": "dq"}]
    monkeypatch.setenv("AIRFLOW_CONN_CHISO_APPRISE", json.dumps({"conn_type": "apprise", "extra": {"config": config}}))
    record = alerts.dispatch(alerts.build_alert(BATCH, OUTCOME), backoff=0)

    assert [(d["channel"], d["target"], d["ok"]) for d in record["deliveries"]] == [("apprise", "chiso_apprise", True)]
    assert sorted(p[0] for p in posts) == ["/teams", "/zalo?access_token=z4lo-s3cret"]
    assert all("hoso_04_2025-08.csv" in chat_text(p[2]) for p in posts)
    assert "s3cret" not in (alerts.outbox_dir() / f"{record['alert_id']}.json").read_text(encoding="utf-8")


def test_a_webhook_url_becomes_the_apprise_url_of_its_service():
    slack = "https://hooks.slack.com/services/T0AAA/B0BBB/abcdefghijklmnop"
    assert alerts.apprise_url_for_webhook(slack) == slack, "Apprise's own Slack service"
    assert alerts.apprise_url_for_webhook("https://chat.tinh.gov.vn:8443/hooks/dq?token=a%2Fb&room=7") == (
        "jsons://chat.tinh.gov.vn:8443/hooks/dq?-token=a%2Fb&-room=7")
    assert alerts.apprise_url_for_webhook("http://10.0.0.5/hook") == "json://10.0.0.5/hook"
    assert alerts.apprise_url_for_webhook("chat.example/hook") is None


def test_task_failure_sends_one_vietnamese_alert_naming_dag_task_file_and_log(
    chiso_data, smtp_server, http_receiver, monkeypatch
):
    from types import SimpleNamespace

    from chiso.orchestration.notifiers import TaskFailureNotifier

    smtp_port, mails = smtp_server
    http_port, posts = http_receiver
    monkeypatch.setenv("AIRFLOW_CONN_CHISO_SMTP", f"smtp://127.0.0.1:{smtp_port}?disable_ssl=true&disable_tls=true&recipients=ops%40tinh.gov.vn")
    monkeypatch.setenv("AIRFLOW_CONN_CHISO_WEBHOOK", f"http://127.0.0.1:{http_port}/hook?k=1")
    monkeypatch.setenv("CHISO_PUBLIC_URL", "http://chiso.tinh.gov.vn:8090/")
    log_url = "http://airflow.tinh.gov.vn/dags/ingest_motcua/runs/r1/tasks/load?try_number=3"
    context = {
        "ti": SimpleNamespace(dag_id="ingest_motcua", task_id="load", run_id="r1", try_number=3, log_url=log_url),
        "task": SimpleNamespace(task_id="load", op_kwargs={"chunk": [BATCH.to_json()]}),
        "exception": OSError("kho dữ liệu bị khóa"),
    }
    TaskFailureNotifier().notify(context)

    assert len(mails) == 1 and len(posts) == 1
    mail, body = mail_text(mails[0])
    assert mail["Subject"] == "[chiso] Lỗi tác vụ ingest_motcua.load"
    for text in ("DAG: ingest_motcua", "Tác vụ: load", "Tệp: 04/hoso_04_2025-08.csv", f"Nhật ký: {log_url}",
                 "OSError: kho dữ liệu bị khóa", "không thành công",
                 "Báo cáo: http://chiso.tinh.gov.vn:8090/report/index.html"):  # fmt: skip
        assert text in body, text
    assert posts[0][0] == "/hook?k=1" and "Tệp: 04/hoso_04_2025-08.csv" in chat_text(posts[0][2])
    outbox = sorted(alerts.outbox_dir().glob("task-*.json"))
    assert len(outbox) == 1 and json.loads(outbox[0].read_text())["severity"] == "error"


def _warning_outcome(column: str) -> dict:
    check = {"expectation": "expect_column_values_to_be_between", "severity": "warning", "success": False,
             "kwargs": {"column": column, "min_value": 0, "max_value": 90}, "why": "", "observed": None,
             "description": "Số ngày chờ bổ sung thường dưới 90 ngày.", "unexpected_count": 2,
             "unexpected_percent": 0.5, "sample": [120, 95], "exception": None}  # fmt: skip
    return {"data_docs_url": None, "suites": [{"dataset": "motcua_dossier", "checks": [check]}]}


def test_warnings_wait_for_one_daily_digest_and_errors_go_at_once(chiso_data, smtp_server, http_receiver,
                                                                   monkeypatch):
    from dataclasses import replace

    from chiso.orchestration import tasks
    from chiso.warehouse import backend

    smtp_port, mails = smtp_server
    http_port, posts = http_receiver
    monkeypatch.setenv("AIRFLOW_CONN_CHISO_SMTP", f"smtp://127.0.0.1:{smtp_port}?disable_ssl=true&disable_tls=true&recipients=dq%40tinh.gov.vn")
    monkeypatch.setenv("AIRFLOW_CONN_CHISO_WEBHOOK", f"http://127.0.0.1:{http_port}/hooks/dq")
    july = replace(BATCH, landed=replace(BATCH.landed, batch_id="a" * 64, relative_name="04/hoso_04_2025-07.csv"))
    warned = [alerts.dispatch(alerts.build_alert(b, _warning_outcome("supplement_wait_days")), backoff=0)
              for b in (BATCH, july)]  # fmt: skip
    assert mails == [] and posts == [], "a warning waits for the digest"
    assert [r["deliveries"][0]["channel"] for r in warned] == ["digest", "digest"]
    error = alerts.dispatch(alerts.build_alert(BATCH, OUTCOME), backoff=0)
    assert [d["ok"] for d in error["deliveries"]] == [True, True] and len(mails) == 1 and len(posts) == 1

    monkeypatch.setenv("CHISO_ALERT_BACKOFF", "0")
    result = tasks.warning_digest()
    assert result["warnings"] == 2 and result["delivered"], result
    assert len(mails) == 2 and len(posts) == 2, "one message per channel for both warnings"
    digest_mail, _ = mail_text(mails[1])
    assert digest_mail["Subject"] == "[chiso] Tổng hợp cảnh báo chất lượng dữ liệu: 2 tệp"
    text = chat_text(posts[1][2])
    for expected in ("04/hoso_04_2025-08.csv", "04/hoso_04_2025-07.csv", "supplement_wait_days",
                     "cần từ 0 đến 90", "thực tế 2 dòng không đạt", "[CẢNH BÁO]"):
        assert expected in text, expected
    assert all(alerts.read_record(r["alert_id"])["deliveries"][0]["digest_id"] == result["digest"] for r in warned)
    with backend.connect(read_only=True) as wh:
        rows = wh.execute("select alert_id, channel, delivered from raw.dq_alert order by alert_id, channel").fetchall()
    assert sorted((a, c, d) for a, c, d in rows if a in {r["alert_id"] for r in warned}) == sorted(
        (r["alert_id"], "digest", True) for r in warned)
    assert {(c, d) for a, c, d in rows if a == result["digest"]} == {("smtp", True), ("webhook", True)}

    assert tasks.warning_digest() == {"warnings": 0} and len(mails) == 2 and len(posts) == 2, "nothing twice"


def test_the_digest_reads_the_waiting_warnings_not_the_whole_outbox(chiso_data, monkeypatch):
    """A warning waiting for the digest is indexed (outbox/digest-waiting); the digest reads those records only
    and takes them out of the index once carried; an outbox from before the index gets it from one reading."""
    from dataclasses import replace

    monkeypatch.setenv("CHISO_ALERT_BACKOFF", "0")
    outbox = alerts.outbox_dir()
    outbox.mkdir(parents=True, exist_ok=True)
    # an outbox written before the index: one warning still waiting, one already carried by a digest
    waiting = alerts.dispatch(alerts.build_alert(BATCH, _warning_outcome("supplement_wait_days")), backoff=0)
    july = replace(BATCH, landed=replace(BATCH.landed, batch_id="a" * 64, relative_name="04/hoso_04_2025-07.csv"))
    carried = alerts.dispatch(alerts.build_alert(july, _warning_outcome("supplement_wait_days")), backoff=0)
    carried["deliveries"][0]["digest_id"] = "digest-earlier"
    (outbox / f"{carried['alert_id']}.json").write_text(json.dumps(carried), encoding="utf-8")
    for marker in (outbox / "digest-waiting").iterdir():
        marker.unlink()
    (outbox / "digest-waiting").rmdir()

    assert [r["alert_id"] for r in alerts.pending_warnings()] == [waiting["alert_id"]]
    assert sorted(p.name for p in (outbox / "digest-waiting").iterdir()) == [waiting["alert_id"]]

    # a warning of today joins the index; records outside it (every alert carried before) are not read
    today = replace(BATCH, landed=replace(BATCH.landed, batch_id="b" * 64, relative_name="04/hoso_04_2025-09.csv"))
    new = alerts.dispatch(alerts.build_alert(today, _warning_outcome("supplement_wait_days")), backoff=0)
    (outbox / f"{carried['alert_id']}.json").write_text("not JSON: the digest must not need this record")
    read = []
    original = type(outbox).read_text

    def counting(self, *args, **kwargs):
        read.append(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(type(outbox), "read_text", counting)
    record, carried_now = alerts.send_warning_digest(channels=[])
    assert sorted(r["alert_id"] for r in carried_now) == sorted([waiting["alert_id"], new["alert_id"]])
    assert sorted(read) == sorted(f"{a}.json" for a in (waiting["alert_id"], new["alert_id"]))
    assert list((outbox / "digest-waiting").iterdir()) == [], "carried warnings leave the index"
    assert all(alerts.read_record(a)["deliveries"][0]["digest_id"] == record["alert_id"]
               for a in (waiting["alert_id"], new["alert_id"]))
    assert alerts.send_warning_digest(channels=[]) == (None, [])
