"""Data-quality alerts, in Vietnamese: email through SMTP and a Slack-compatible webhook.

Channels are Airflow connections (``chiso_smtp``, ``chiso_webhook``), looked up through Airflow when running
inside a task, else from the environment (``AIRFLOW_CONN_CHISO_SMTP`` / ``AIRFLOW_CONN_CHISO_WEBHOOK`` as
URIs). A channel that is down is retried with backoff and logged; it never fails the load. Every alert is
first written to the outbox (``data/alerts/<id>.json``) with each channel's delivery outcome, so no alert is
lost whatever the channels do; the load step copies the records into the warehouse (``raw.dq_alert``).

Errors (a file quarantined, a stale source, a task that failed) go at once. Warnings (a file loaded with
failed warning-level expectations) wait in the outbox for the daily digest (:func:`send_warning_digest`, the
``dq_warning_digest`` DAG): one message a day that lists every file that warned, instead of one per file.

Messages never carry personal data: offending values are shown only for columns that cannot identify a
person (the parsers have already removed names, ID numbers, phones and addresses).
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from chiso import settings

if TYPE_CHECKING:
    from chiso.ingest.batch import Batch

log = logging.getLogger(__name__)

QUARANTINED_ACTION = "cách ly: không nạp, các bảng mart giữ dữ liệu tốt gần nhất"
#: the delivery a warning gets until the daily digest carries it
DIGEST_CHANNEL = "digest"

SMTP_CONN_ID = "chiso_smtp"
WEBHOOK_CONN_ID = "chiso_webhook"


@dataclass
class Channel:
    kind: str  # smtp | webhook
    conn_id: str = ""  # the Airflow connection it comes from: what records name (never its URL or secret)
    host: str | None = None
    port: int | None = None
    login: str | None = None
    password: str | None = None
    url: str | None = None
    sender: str | None = None
    recipients: tuple[str, ...] = ()
    starttls: bool = False


def _from_uri(conn_id: str, uri: str) -> Channel | None:
    parts = urlsplit(uri)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    if conn_id == SMTP_CONN_ID:
        return Channel(
            kind="smtp", conn_id=conn_id, host=parts.hostname, port=parts.port or 25,
            login=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            sender=query.get("from_email", "chiso@localhost"),
            recipients=tuple(r.strip() for r in query.get("recipients", "").split(",") if r.strip()),
            starttls=query.get("starttls", "false").lower() == "true",
        )
    scheme = query.pop("__scheme", None) or ("https" if parts.scheme in ("https", "http+https") else "http")
    if parts.scheme in ("http", "https"):
        scheme = parts.scheme
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
    # the webhook's own query string (a token, a room) is part of its address: kept as it was written
    kept = "&".join(p for p in parts.query.split("&") if p and not p.startswith("__scheme="))
    return Channel(kind="webhook", conn_id=conn_id, url=f"{scheme}://{netloc}{parts.path}" + (f"?{kept}" if kept else ""))


def _airflow_connection(conn_id: str) -> Channel | None:
    try:
        from airflow.sdk import BaseHook  # type: ignore[attr-defined]
    except Exception:  # pragma: no cover - outside Airflow
        return None
    try:
        conn = BaseHook.get_connection(conn_id)
    except Exception:
        return None
    extra = conn.extra_dejson if hasattr(conn, "extra_dejson") else {}
    if conn_id == SMTP_CONN_ID:
        return Channel(kind="smtp", conn_id=conn_id, host=conn.host, port=conn.port or 25, login=conn.login, password=conn.password,
                       sender=extra.get("from_email", "chiso@localhost"),
                       recipients=tuple(r.strip() for r in str(extra.get("recipients", "")).split(",") if r.strip()),
                       starttls=str(extra.get("starttls", "false")).lower() == "true")
    scheme = extra.get("scheme") or conn.schema or "http"
    port = f":{conn.port}" if conn.port else ""
    host = conn.host or ""
    if host.startswith(("http://", "https://")):
        return Channel(kind="webhook", conn_id=conn_id, url=host)
    query = f"?{extra['query']}" if extra.get("query") else ""
    return Channel(kind="webhook", conn_id=conn_id, url=f"{scheme}://{host}{port}{extra.get('path', '')}{query}")


def configured_channels() -> list[Channel]:
    channels = []
    for conn_id in (SMTP_CONN_ID, WEBHOOK_CONN_ID):
        uri = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
        chan = _from_uri(conn_id, uri) if uri else _airflow_connection(conn_id)
        if chan and (chan.url or chan.host):
            channels.append(chan)
    return channels


# ---------------------------------------------------------------- message
def new_alert_id(prefix: str) -> str:
    """An alert's id: what it is about, when (UTC, to the second) and a random tail, so that two alerts of one
    batch in the same second (a warning, then an error) never share an outbox record."""
    import secrets

    return f"{prefix}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{secrets.token_hex(3)}"


def build_alert(batch: Batch, outcome: dict[str, Any]) -> dict[str, Any]:
    """The alert for a batch whose validation failed (errors) or warned."""
    failed = []
    for suite in outcome.get("suites", []):
        for c in suite["checks"]:
            if c["success"]:
                continue
            failed.append({
                "dataset": suite["dataset"],
                "expectation": c["expectation"],
                "column": c["kwargs"].get("column") or c["kwargs"].get("column_A"),
                "severity": c["severity"],
                "expected": _expected(c),
                "observed": _observed(c),
                "sample": c.get("sample", [])[:5],
                "why": c.get("why"),
                "description": c.get("description"),  # the Vietnamese explanation (GX description)
            })
    units = sorted({u for u in (batch.meta or {}).get("units", [])})[:10]
    blocking = any(f["severity"] == "error" for f in failed)
    return {
        "alert_id": new_alert_id(batch.batch_id[:16]),
        "severity": "error" if blocking else "warning",
        "source_system": batch.source_system,
        "file": batch.file_name,
        "batch_id": batch.batch_id,
        "dataset": batch.dataset,
        "period": f"{batch.period_start} → {batch.period_end}",
        "units": units or (batch.meta or {}).get("scope"),
        "action": QUARANTINED_ACTION if blocking else "đã nạp, có cảnh báo",
        "failed": failed,
        "data_docs": outcome.get("data_docs_url"),
    }


def build_parse_alert(batch: Batch) -> dict[str, Any]:
    """The alert for a file that could not be read (or had too many bad rows)."""
    errors = batch.row_errors or []
    failed = [{
        "dataset": batch.dataset or "?", "expectation": "file is readable", "column": e.get("column"),
        "severity": "error", "expected": e.get("expected"), "observed": e.get("found"),
        "sample": [f"row {e.get('row')}"] if e.get("row") else [], "why": e.get("message") or None,
    } for e in errors[:10]] or [{
        "dataset": "?", "expectation": "file is readable", "column": None, "severity": "error",
        "expected": "a parseable export", "observed": batch.error, "sample": [], "why": None}]
    return {
        "alert_id": new_alert_id(batch.batch_id[:16]),
        "severity": "error",
        "source_system": batch.source_system,
        "file": batch.file_name,
        "batch_id": batch.batch_id,
        "dataset": batch.dataset,
        "period": f"{batch.period_start} → {batch.period_end}",
        "units": None,
        "action": QUARANTINED_ACTION,
        "summary": batch.error,
        "failed": failed,
        "data_docs": None,
    }


def build_task_failure_alert(
    dag_id: str, task_id: str, run_id: str | None, try_number: int | None, log_url: str | None,
    files: list[str] | None, error: str | None,
) -> dict[str, Any]:
    """The alert for an Airflow task that failed for good (after its retries): in Vietnamese, at once."""
    source = dag_id.removeprefix("ingest_") if dag_id.startswith("ingest_") else None
    public = settings.public_url()
    return {
        "kind": "task_failure",
        "alert_id": new_alert_id(f"task-{dag_id}-{task_id}"),
        "severity": "error",
        "source_system": source,
        "file": ", ".join(files[:5]) + (f" (+{len(files) - 5})" if len(files) > 5 else "") if files else None,
        "batch_id": None,
        "dataset": None,
        "dag_id": dag_id,
        "task_id": task_id,
        "run_id": run_id,
        "try_number": try_number,
        "log_url": log_url,
        "error": (error or "")[:1000],
        "report": f"{public}/report/index.html" if public else None,
        "period": None,
        "units": None,
        "action": "tác vụ dừng sau các lần thử lại; dữ liệu đã nạp trước đó không đổi",
        "failed": [],
        "data_docs": None,
    }


def _render_task_failure(alert: dict[str, Any]) -> str:
    lines = [
        f"[chiso] LỖI: tác vụ {alert['task_id']} của DAG {alert['dag_id']} không thành công",
        f"DAG: {alert['dag_id']}",
        f"Tác vụ: {alert['task_id']} (lần chạy {alert.get('run_id') or '—'}, lần thử {alert.get('try_number') or '—'})",
        f"Tệp: {alert.get('file') or '—'}",
        f"Lỗi: {alert.get('error') or '—'}",
        f"Xử lý: {alert['action']}",
        f"Nhật ký: {alert.get('log_url') or '—'}",
    ]
    if alert.get("report"):
        lines.append(f"Báo cáo: {alert['report']}")
    return "\n".join(lines)


def _expected(c: dict) -> str:
    kw = c["kwargs"]
    if "value_set" in kw:
        return f"một trong {kw['value_set']}"
    if "min_value" in kw or "max_value" in kw:
        return f"từ {kw.get('min_value')} đến {kw.get('max_value')}"
    if "regex" in kw:
        return f"khớp mẫu {kw['regex']}"
    if "column_A" in kw:
        return f"{kw['column_A']} {'≥' if kw.get('or_equal') else '>'} {kw['column_B']}"
    if c["expectation"].endswith("not_be_null"):
        return "không để trống"
    if c["expectation"].endswith("be_unique"):
        return "không trùng lặp"
    return json.dumps({k: v for k, v in kw.items() if k != "column"}, ensure_ascii=False, default=str)


def _observed(c: dict) -> str:
    if c.get("exception"):
        return f"lỗi khi kiểm tra: {c['exception']}"
    if c.get("unexpected_count") is not None:
        pct = c.get("unexpected_percent")
        return f"{c['unexpected_count']} dòng không đạt" + (f" ({pct:.2f}%)" if pct is not None else "")
    return str(c.get("observed"))


SEVERITY_VI = {"error": "LỖI", "warning": "CẢNH BÁO"}


def _failed_lines(failed: list[dict[str, Any]], indent: str = "") -> list[str]:
    lines = []
    for f in failed:
        lines.append(f"{indent}- [{SEVERITY_VI.get(f['severity'], f['severity'])}] {f['dataset']}.{f['column'] or ''} "
                     f"{f['expectation']}: cần {f['expected']}, thực tế {f['observed']}")
        if f.get("description"):
            lines.append(f"{indent}    Giải thích: {f['description']}")
        if f["sample"]:
            lines.append(f"{indent}    Ví dụ: {', '.join(map(str, f['sample']))}")
    return lines


def render_text(alert: dict[str, Any]) -> str:
    if alert.get("kind") == "task_failure":
        return _render_task_failure(alert)
    if alert.get("kind") == "warning_digest":
        return _render_digest(alert)
    lines = [
        f"[chiso] Chất lượng dữ liệu — {SEVERITY_VI.get(alert['severity'], alert['severity'])}: "
        f"{alert['source_system']} / {alert['file'] or alert['dataset']}",
        f"Kỳ: {alert['period']}   Đơn vị: {alert['units'] or '—'}",
        f"Xử lý: {alert['action']}",
        "",
        "Kiểm tra không đạt:",
        *_failed_lines(alert["failed"]),
    ]
    if alert.get("data_docs"):
        lines += ["", f"Báo cáo kiểm tra (Data Docs): {alert['data_docs']}"]
    if alert.get("batch_id"):
        lines += ["", f"Lô {alert['batch_id']}"]
    return "\n".join(lines)


def _render_digest(digest: dict[str, Any]) -> str:
    items = digest["items"]
    lines = [f"[chiso] Tổng hợp cảnh báo chất lượng dữ liệu: {len(items)} tệp đã nạp có cảnh báo "
             f"(đến {digest['until']})", ""]
    for it in items:
        lines.append(f"* {it['source_system']} / {it['file']} (kỳ {it['period']})")
        lines += _failed_lines(it["failed"], indent="  ")
        if it.get("data_docs"):
            lines.append(f"  Báo cáo kiểm tra (Data Docs): {it['data_docs']}")
    return "\n".join(lines)


def slack_payload(alert: dict[str, Any]) -> dict[str, Any]:
    text = render_text(alert)
    if alert.get("kind") in ("task_failure", "warning_digest"):
        return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}]}
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": (
            f"chiso — {SEVERITY_VI.get(alert['severity'], alert['severity'])}: {alert['file'] or alert['dataset']}"
        )[:150]}},
        {"type": "section", "fields": [
            {"type": "mrkdwn", "text": f"*Nguồn*\n{alert['source_system']}"},
            {"type": "mrkdwn", "text": f"*Kỳ*\n{alert['period']}"},
            {"type": "mrkdwn", "text": f"*Đơn vị*\n{alert['units'] or '—'}"},
            {"type": "mrkdwn", "text": f"*Xử lý*\n{alert['action']}"},
        ]},
        {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(
            f"• `{f['dataset']}.{f['column'] or ''}` {f['expectation']} — cần {f['expected']}, "
            f"thực tế {f['observed']}" for f in alert["failed"])[:2900] or "—"}},
    ]
    if alert.get("data_docs"):
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"<{alert['data_docs']}|Data Docs>"}})
    return {"text": text, "blocks": blocks}


# ---------------------------------------------------------------- delivery
def _retry(fn, what: str, attempts: int, backoff: float) -> tuple[bool, str]:
    last = ""
    for i in range(1, attempts + 1):
        try:
            fn()
            return True, f"delivered on attempt {i}"
        except Exception as exc:  # a channel that is down must never fail the load
            last = f"{type(exc).__name__}: {exc}"
            log.warning("%s: attempt %d/%d failed: %s", what, i, attempts, last)
            if i < attempts:
                time.sleep(backoff * (2 ** (i - 1)))
    return False, f"failed after {attempts} attempts: {last}"


def _mail(chan: Channel, recipients: list[str], subject: str, body: str, timeout: float = 10.0) -> None:
    """One plain-text mail through an SMTP channel (the one SMTP client of chiso)."""
    import smtplib  # here, not at the top: the validate task imports this module on every run
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["Subject"], msg["From"] = subject, chan.sender or "chiso@localhost"
    msg["To"] = ", ".join(recipients) or "root@localhost"
    msg.set_content(body)
    with smtplib.SMTP(chan.host, chan.port or 25, timeout=timeout) as smtp:
        if chan.starttls:
            smtp.starttls()
        if chan.login:
            smtp.login(chan.login, chan.password or "")
        smtp.send_message(msg)


def _post(chan: Channel, payload: dict[str, Any], timeout: float = 10.0) -> None:
    """A JSON POST to a webhook channel (the one HTTP client of chiso); an answer of 300 or above fails."""
    import urllib.request

    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    try:
        req = urllib.request.Request(chan.url, data=body, headers={"Content-Type": "application/json"},
                                     method="POST")
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            if resp.status >= 300:
                raise RuntimeError(f"HTTP {resp.status}")
    except Exception as exc:
        # some errors quote the URL (an unknown scheme, a bad port): its path and query are the secret, so
        # what reaches the outbox, the warehouse and the logs names the connection instead
        raise RuntimeError(_without_url(f"{type(exc).__name__}: {exc}", chan)) from None


def _without_url(text: str, chan: Channel) -> str:
    from urllib.parse import urlsplit

    url = chan.url or ""
    parts = urlsplit(url)
    secrets = [url, parts.path + ("?" + parts.query if parts.query else ""), parts.path, parts.query]
    for secret in sorted({s for s in secrets if len(s) > 1}, key=len, reverse=True):
        text = text.replace(secret, f"<{chan.conn_id or 'webhook'} URL>")
    return text


def send_email(chan: Channel, alert: dict[str, Any], timeout: float = 10.0) -> None:
    if alert.get("kind") == "task_failure":
        subject = f"[chiso] Lỗi tác vụ {alert['dag_id']}.{alert['task_id']}"
    elif alert.get("kind") == "warning_digest":
        subject = f"[chiso] Tổng hợp cảnh báo chất lượng dữ liệu: {len(alert['items'])} tệp"
    else:
        subject = (f"[chiso] Chất lượng dữ liệu — {SEVERITY_VI.get(alert['severity'], alert['severity'])}: "
                   f"{alert['source_system']} {alert['file'] or alert['dataset']} ({alert['period']})")
    _mail(chan, chan.recipients, subject, render_text(alert), timeout)


def send_webhook(chan: Channel, alert: dict[str, Any], timeout: float = 10.0) -> None:
    _post(chan, slack_payload(alert), timeout)


def send_mail(recipients: list[str], subject: str, body: str) -> tuple[str, bool, str]:
    """One plain-text mail through the ``chiso_smtp`` connection (with retries); returns (connection id,
    delivered, detail). Used for the notices to units (chiso.people.notices)."""
    chan = next((c for c in configured_channels() if c.kind == "smtp"), None)
    if chan is None:
        return "none", False, f"no {SMTP_CONN_ID} connection configured"
    ok, detail = _retry(lambda: _mail(chan, recipients, subject, body), f"notice smtp {chan.conn_id}",
                        settings.alert_attempts(), settings.alert_backoff())
    return chan.conn_id, ok, detail


def post_webhook(text: str) -> tuple[str, bool, str]:
    """A plain message to the ``chiso_webhook`` connection (a province office's chat), with retries."""
    chan = next((c for c in configured_channels() if c.kind == "webhook"), None)
    if chan is None:
        return "none", False, f"no {WEBHOOK_CONN_ID} connection configured"
    ok, detail = _retry(lambda: _post(chan, {"text": text}), f"notice webhook {chan.conn_id}",
                        settings.alert_attempts(), settings.alert_backoff())
    return chan.conn_id, ok, detail


def outbox_dir() -> Path:
    return settings.alerts_dir()


def read_record(alert_id: str) -> dict[str, Any] | None:
    """An alert's record from the outbox (None if it is not there)."""
    path = outbox_dir() / f"{alert_id}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def dispatch(alert: dict[str, Any], channels: list[Channel] | None = None, attempts: int | None = None,
             backoff: float | None = None) -> dict[str, Any]:
    """Record the alert in the outbox, then deliver it to every channel (retrying); return the record."""
    attempts = attempts or settings.alert_attempts()
    backoff = backoff if backoff is not None else settings.alert_backoff()
    channels = configured_channels() if channels is None else channels
    outbox = outbox_dir()
    outbox.mkdir(parents=True, exist_ok=True)
    record = dict(alert, deliveries=[])
    path = outbox / f"{alert['alert_id']}.json"
    if alert.get("severity") == "warning" and alert.get("kind") != "warning_digest":
        record["deliveries"].append({"channel": DIGEST_CHANNEL, "target": None, "ok": False,
                                     "detail": "chờ bản tổng hợp cảnh báo hằng ngày", "digest_id": None,
                                     "at": _now()})
        _write_record(path, record)
        return record
    _write_record(path, record)
    for chan in channels:
        target = chan.conn_id or chan.kind  # the connection's id: a webhook URL may carry a token
        sender = send_webhook if chan.kind == "webhook" else send_email
        ok, detail = _retry(lambda s=sender, c=chan: s(c, alert), f"alert {chan.kind} {target}", attempts, backoff)
        record["deliveries"].append({"channel": chan.kind, "target": target, "ok": ok, "detail": detail,
                                     "at": _now()})
        _write_record(path, record)
    if not channels:
        log.warning("no alert channel configured (connections %s, %s): alert kept in %s",
                    SMTP_CONN_ID, WEBHOOK_CONN_ID, path)
    return record


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _write_record(path: Path, record: dict[str, Any]) -> None:
    """Write beside and rename: a crash never leaves half a record in the outbox."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)


def pending_warnings() -> list[dict[str, Any]]:
    """The outbox's warning alerts that no digest has carried yet, oldest first."""
    out = []
    for path in sorted(outbox_dir().glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if any(d.get("channel") == DIGEST_CHANNEL and not d.get("digest_id") for d in record.get("deliveries", [])):
            out.append(record)
    return sorted(out, key=lambda r: (r["deliveries"][0].get("at") or "", r["alert_id"]))


def send_warning_digest(channels: list[Channel] | None = None, attempts: int | None = None,
                        backoff: float | None = None) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """One message for every warning waiting in the outbox; returns the digest's record (None when nothing
    waited) and the warnings' records, each marked with the digest that carried it and how it went."""
    waiting = pending_warnings()
    if not waiting:
        return None, []
    now = time.gmtime()
    digest = {
        "kind": "warning_digest", "alert_id": new_alert_id("digest"),
        "severity": "warning", "source_system": None, "file": None, "batch_id": None, "dataset": None,
        "until": time.strftime("%d/%m/%Y %H:%M UTC", now), "period": None, "units": None,
        "action": "đã nạp, có cảnh báo", "failed": [],
        "items": [{k: r.get(k) for k in ("alert_id", "source_system", "file", "period", "failed", "data_docs")}
                  for r in waiting],
    }  # fmt: skip
    record = dispatch(digest, channels, attempts, backoff)
    ok = bool(record["deliveries"]) and all(d["ok"] for d in record["deliveries"])
    detail = "; ".join(f"{d['channel']}: {d['detail']}" for d in record["deliveries"]) or "no channel configured"
    for r in waiting:
        for d in r["deliveries"]:
            if d.get("channel") == DIGEST_CHANNEL and not d.get("digest_id"):
                d.update(digest_id=digest["alert_id"], ok=ok, detail=f"trong bản tổng hợp {digest['alert_id']}: {detail}")
        _write_record(outbox_dir() / f"{r['alert_id']}.json", r)
    return record, waiting
