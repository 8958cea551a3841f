"""Data-quality alerts, in Vietnamese, through Airflow's own provider hooks: email (the SMTP provider's
``SmtpHook``) and chat (the Apprise provider: Zalo, Telegram, Microsoft Teams, Google Chat, Slack…).

Channels are Airflow connections, looked up as Airflow does (metadata database, secrets backend, or
``AIRFLOW_CONN_…`` in the environment): ``chiso_smtp`` (SMTP), ``chiso_apprise`` (Apprise URLs) and
``chiso_webhook`` (a plain webhook URL, delivered through Apprise too). A channel that is down is retried with
backoff and logged; it never fails the load. Every alert is first written to the outbox
(``data/alerts/<id>.json``) with each channel's delivery outcome, so no alert is lost whatever the channels do;
the load step copies the records into the warehouse (``raw.dq_alert``). Records name a channel by its
connection id, never its URL (a webhook's path and query are its secret).

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
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from chiso import settings
from chiso.util.files import write_whole

if TYPE_CHECKING:
    from chiso.ingest.batch import Batch

log = logging.getLogger(__name__)

QUARANTINED_ACTION = "cách ly: không nạp, các bảng mart giữ dữ liệu tốt gần nhất"
#: the delivery a warning gets until the daily digest carries it
DIGEST_CHANNEL = "digest"

SMTP_CONN_ID = "chiso_smtp"
APPRISE_CONN_ID = "chiso_apprise"
WEBHOOK_CONN_ID = "chiso_webhook"


@dataclass
class Channel:
    """A delivery channel: an Airflow connection, named in every record by its id (never its URL or secret).

    ``smtp``: the SMTP provider's connection (``SmtpHook``); ``apprise``: the Apprise provider's connection,
    whose ``config`` lists Apprise URLs (Zalo, Telegram, Microsoft Teams, Google Chat, Slack, email…);
    ``webhook``: a plain HTTP(S) webhook URL, delivered through Apprise as well (as its native service when
    Apprise recognises the address, e.g. a Slack or Teams webhook, else as a JSON POST to the URL as written)."""

    kind: str  # smtp | apprise | webhook
    conn_id: str
    sender: str | None = None  # smtp: from_email of the connection
    recipients: tuple[str, ...] = ()  # smtp: the connection's extra "recipients"
    urls: tuple[str, ...] = ()  # apprise | webhook: Apprise URLs (secrets: never written anywhere)
    error: str | None = None  # a connection that cannot be used: why (delivery fails with it, the alert stays)


def _connection(conn_id: str):
    """An Airflow connection by id (environment ``AIRFLOW_CONN_…``, secrets backend or metadata database),
    or None when it is not defined."""
    from airflow.providers.common.compat.sdk import BaseHook

    try:
        return BaseHook.get_connection(conn_id)
    except Exception:  # AirflowNotFoundException: the channel is simply not configured
        return None


def _smtp_channel() -> Channel | None:
    conn = _connection(SMTP_CONN_ID)
    if conn is None or not conn.host:
        return None
    extra = conn.extra_dejson
    return Channel(kind="smtp", conn_id=SMTP_CONN_ID, sender=extra.get("from_email") or "chiso@localhost",
                   recipients=tuple(r.strip() for r in str(extra.get("recipients", "")).split(",") if r.strip()))


def _apprise_channel() -> Channel | None:
    conn = _connection(APPRISE_CONN_ID)
    if conn is None:
        return None
    import apprise
    from airflow.providers.apprise.hooks.apprise import AppriseHook

    # the provider's hook reads the connection's config (one {"path", "tag"} or a list of them); what it adds
    # to an Apprise object is what is delivered to
    collected = apprise.Apprise()
    try:
        AppriseHook(apprise_conn_id=APPRISE_CONN_ID).set_config_from_conn(conn=conn, apprise_obj=collected)
    except Exception as exc:
        return Channel(kind="apprise", conn_id=APPRISE_CONN_ID,
                       error=f"the connection's config is not a list of Apprise URLs ({type(exc).__name__})")
    urls = tuple(s.url(privacy=False) for s in collected)
    if not urls:
        return Channel(kind="apprise", conn_id=APPRISE_CONN_ID, error="no Apprise URL in the connection is usable")
    return Channel(kind="apprise", conn_id=APPRISE_CONN_ID, urls=urls)


def _webhook_url() -> str | None:
    """The ``chiso_webhook`` URL exactly as written (its query string, often the token, included)."""
    uri = os.environ.get(f"AIRFLOW_CONN_{WEBHOOK_CONN_ID.upper()}")
    if uri and not uri.lstrip().startswith("{"):
        parts = urlsplit(uri)
        scheme = "https" if parts.scheme == "http+https" or "__scheme=https" in parts.query else parts.scheme
        kept = "&".join(p for p in parts.query.split("&") if p and not p.startswith("__scheme="))
        netloc = parts.netloc.rpartition("@")[2]
        return f"{scheme}://{netloc}{parts.path}" + (f"?{kept}" if kept else "") if netloc else uri
    conn = _connection(WEBHOOK_CONN_ID)
    if conn is None or not conn.host:
        return None
    if conn.host.startswith(("http://", "https://")):
        return conn.host
    extra = conn.extra_dejson
    scheme = extra.get("scheme") or (conn.schema if conn.schema in ("http", "https") else "https")
    query = f"?{extra['query']}" if extra.get("query") else ""
    return f"{scheme}://{conn.host}{f':{conn.port}' if conn.port else ''}{extra.get('path', '')}{query}"


def apprise_url_for_webhook(url: str) -> str | None:
    """The Apprise URL that delivers to a webhook: Apprise's own service where it recognises the address (a
    Slack, Teams, Discord or Google Chat webhook), else a JSON POST (``json://``/``jsons://``) to the same
    host, path and query (Apprise passes ``-name=value`` on as the query's ``name=value``). None when the URL
    is not HTTP(S)."""
    from apprise.manager_plugins import NotificationManager

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    # the services that know their own webhook addresses, asked as Apprise itself asks them (without its
    # "unparseable URL" error for the addresses none of them knows)
    if any(plugin.parse_native_url(url) for plugin in NotificationManager().plugins()):
        return url
    query = "&".join(f"-{p}" for p in parts.query.split("&") if p)
    scheme = "jsons" if parts.scheme == "https" else "json"
    return f"{scheme}://{parts.netloc}{parts.path or '/'}" + (f"?{query}" if query else "")


def _webhook_channel() -> Channel | None:
    url = _webhook_url()
    if not url:
        return None
    converted = apprise_url_for_webhook(url)
    if converted is None:
        return Channel(kind="webhook", conn_id=WEBHOOK_CONN_ID, urls=(url,),
                       error="the connection's URL is not an http:// or https:// address")
    return Channel(kind="webhook", conn_id=WEBHOOK_CONN_ID, urls=(converted,))


def configured_channels() -> list[Channel]:
    """Every alert channel whose connection is defined: SMTP, Apprise, then a plain webhook."""
    return [c for c in (_smtp_channel(), _apprise_channel(), _webhook_channel()) if c is not None]


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


def _mail(chan: Channel, recipients: list[str] | tuple[str, ...], subject: str, body: str) -> None:
    """One mail through the SMTP provider's hook on the channel's connection (SSL, STARTTLS, login, timeout
    and retries as the connection says). The text is sent as HTML that keeps its lines."""
    import html

    from airflow.providers.smtp.hooks.smtp import SmtpHook

    content = ('<pre style="font-family: inherit; white-space: pre-wrap">'
               f"{html.escape(body, quote=False)}</pre>")
    with SmtpHook(smtp_conn_id=chan.conn_id) as hook:
        hook.send_email_smtp(to=list(recipients) or ["root@localhost"], subject=subject, html_content=content,
                             from_email=chan.sender)


def _notify(chan: Channel, title: str, body: str) -> None:
    """One message to every Apprise URL of the channel. Apprise reports a failure as False and a log line
    (the provider hook's ``notify`` drops both), so the hook's connection config is read into an Apprise
    object by :func:`_apprise_channel` and the object is notified here, its log captured for the record."""
    import apprise

    if chan.error:
        raise RuntimeError(f"{chan.conn_id}: {chan.error}")
    notifier = apprise.Apprise()
    for url in chan.urls:
        notifier.add(url)
    with apprise.LogCapture(level=logging.WARNING) as captured:
        ok = notifier.notify(body=body, title=title)
    if not ok:
        said = " ".join(line.split(" - ", 2)[-1] for line in captured.getvalue().splitlines()) or "not delivered"
        # Apprise names hosts, not paths, but a URL may be quoted: its path and query are the secret
        raise RuntimeError(_without_secrets(f"Apprise: {said}", chan))


def _without_secrets(text: str, chan: Channel) -> str:
    for url in chan.urls:
        parts = urlsplit(url)
        secrets = [url, parts.path + ("?" + parts.query if parts.query else ""), parts.path, parts.query,
                   parts.password or "", parts.username or ""]
        for secret in sorted({s for s in secrets if len(s) > 1}, key=len, reverse=True):
            text = text.replace(secret, f"<{chan.conn_id} URL>")
    return text


def subject_of(alert: dict[str, Any]) -> str:
    if alert.get("kind") == "task_failure":
        return f"[chiso] Lỗi tác vụ {alert['dag_id']}.{alert['task_id']}"
    if alert.get("kind") == "warning_digest":
        return f"[chiso] Tổng hợp cảnh báo chất lượng dữ liệu: {len(alert['items'])} tệp"
    return (f"[chiso] Chất lượng dữ liệu — {SEVERITY_VI.get(alert['severity'], alert['severity'])}: "
            f"{alert['source_system']} {alert['file'] or alert['dataset']} ({alert['period']})")


def deliver(chan: Channel, subject: str, body: str, recipients: list[str] | None = None) -> None:
    """One message through one channel (raises when it was not delivered)."""
    if chan.kind == "smtp":
        _mail(chan, recipients if recipients is not None else chan.recipients, subject, body)
    else:
        _notify(chan, subject, body)


def send_mail(recipients: list[str], subject: str, body: str) -> tuple[str, bool, str]:
    """One mail through the ``chiso_smtp`` connection (with retries); returns (connection id, delivered,
    detail). Used for the notices to units (chiso.people.notices)."""
    return _notice(True, f"no {SMTP_CONN_ID} connection configured", subject, body, recipients)


def post_chat(title: str, body: str) -> tuple[str, bool, str]:
    """A message to the province office's chat (the first of ``chiso_apprise``, ``chiso_webhook``), with
    retries."""
    return _notice(False, f"no {APPRISE_CONN_ID} or {WEBHOOK_CONN_ID} connection configured", title, body)


def _notice(mail: bool, missing: str, subject: str, body: str,
            recipients: list[str] | None = None) -> tuple[str, bool, str]:
    """A notice through the first configured mail (``mail``) or chat channel, with retries: (connection id,
    delivered, detail), or ("none", False, ``missing``) when there is no such channel."""
    chan = next((c for c in configured_channels() if (c.kind == "smtp") == mail), None)
    if chan is None:
        return "none", False, missing
    ok, detail = _retry(lambda: deliver(chan, subject, body, recipients), f"notice {chan.kind} {chan.conn_id}",
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
    outbox = outbox_dir()
    outbox.mkdir(parents=True, exist_ok=True)
    record = dict(alert, deliveries=[])
    path = outbox / f"{alert['alert_id']}.json"
    if alert.get("severity") == "warning" and alert.get("kind") != "warning_digest":
        record["deliveries"].append({"channel": DIGEST_CHANNEL, "target": None, "ok": False,
                                     "detail": "chờ bản tổng hợp cảnh báo hằng ngày", "digest_id": None,
                                     "at": _now()})
        # the marker first: a crash between the two leaves a marker without a record (skipped), never a
        # waiting warning that no digest would find
        (_waiting_dir() / alert["alert_id"]).touch()
        _write_record(path, record)
        return record
    _write_record(path, record)  # kept before any channel is asked: nothing a channel does can lose it
    channels = configured_channels() if channels is None else channels
    for chan in channels:
        target = chan.conn_id  # the connection's id: a webhook URL may carry a token
        ok, detail = _retry(lambda c=chan: deliver(c, subject_of(alert), render_text(alert)),
                            f"alert {chan.kind} {target}", attempts, backoff)
        record["deliveries"].append({"channel": chan.kind, "target": target, "ok": ok, "detail": detail,
                                     "at": _now()})
        _write_record(path, record)
    if not channels:
        log.warning("no alert channel configured (connections %s, %s, %s): alert kept in %s",
                    SMTP_CONN_ID, APPRISE_CONN_ID, WEBHOOK_CONN_ID, path)
    return record


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _write_record(path: Path, record: dict[str, Any]) -> None:
    """Whole or not at all: a crash never leaves half a record in the outbox (one writer per alert id)."""
    text = json.dumps(record, ensure_ascii=False, indent=1, default=str)
    write_whole(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), 0o644, temporary=f".{path.name}.tmp")


def _waits_for_digest(delivery: dict[str, Any]) -> bool:
    return delivery.get("channel") == DIGEST_CHANNEL and not delivery.get("digest_id")


def _awaits_digest(record: dict[str, Any]) -> bool:
    return any(_waits_for_digest(d) for d in record.get("deliveries", []))


def _waiting_dir() -> Path:
    """The outbox's index of the warnings waiting for a digest: an empty file named after each one's alert, so
    that the daily digest reads those records and not the whole outbox, which grows by every alert of every
    year. An outbox from before the index gets it once, from a reading of every record."""
    waiting = outbox_dir() / "digest-waiting"
    if not waiting.is_dir():
        outbox_dir().mkdir(parents=True, exist_ok=True)
        building = Path(tempfile.mkdtemp(prefix=".digest-waiting-", dir=outbox_dir()))
        for path in outbox_dir().glob("*.json"):
            try:
                if _awaits_digest(json.loads(path.read_text(encoding="utf-8"))):
                    (building / path.stem).touch()
            except (OSError, ValueError):
                continue
        try:
            building.rename(waiting)
        except OSError:  # built meanwhile by another process: theirs stands
            shutil.rmtree(building, ignore_errors=True)
    return waiting


def pending_warnings() -> list[dict[str, Any]]:
    """The outbox's warning alerts that no digest has carried yet, oldest first (from the index of waiting
    warnings; a marker whose record says it was carried is dropped, one whose record is not written yet stays)."""
    out = []
    for marker in sorted(_waiting_dir().iterdir()):
        try:
            record = json.loads((outbox_dir() / f"{marker.name}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if _awaits_digest(record):
            out.append(record)
        else:
            marker.unlink(missing_ok=True)
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
    index = _waiting_dir()
    for r in waiting:
        for d in r["deliveries"]:
            if _waits_for_digest(d):
                d.update(digest_id=digest["alert_id"], ok=ok, detail=f"trong bản tổng hợp {digest['alert_id']}: {detail}")
        _write_record(outbox_dir() / f"{r['alert_id']}.json", r)
        (index / r["alert_id"]).unlink(missing_ok=True)
    return record, waiting
