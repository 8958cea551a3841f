"""Notices to units falling behind, after each build.

Each current unit's latest status per KPI with a target (``mart_kpi_progress``) is compared with the status
last seen (``raw.unit_notice``). A unit that became off track or at risk gets one notice in Vietnamese (the
KPI, its value, the target and its legal basis, the path it should be on, the monthly improvement needed); one
that is back on track or achieved gets a short one; each province's office gets a digest of its units' changes.
The change is recorded before anything is sent, so a rerun never sends it twice (at most once). The very first
run records what it finds as a baseline and sends nothing.

Recipients come from the province's file (``CHISO_RECIPIENTS_FILE``: ``unit_code,email,role`` with role
``unit`` or ``province_office``); unknown units and malformed addresses are reported and skipped. The
warehouse keeps who (the file's entry, not the address), what, when, the channel and whether it arrived.
Sending is given to :func:`run` (the orchestration passes the alert channels), so this module sends nothing
by itself.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chiso import contracts, settings
from chiso.people import data, tables, vi
from chiso.warehouse import backend, schema

log = logging.getLogger(__name__)

BEHIND = ("off_track", "at_risk")
GOOD = ("on_track", "achieved")
ROLES = ("unit", "province_office")
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
TABLE = "raw.unit_notice"

SendMail = Callable[[list[str], str, str], tuple[str, bool, str]]
PostChat = Callable[[str, str], tuple[str, bool, str]]  # (title, body) → (connection id, delivered, detail)


@dataclass
class Recipients:
    by_unit: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (unit_code, role) → addresses
    problems: list[str] = field(default_factory=list)


def load_recipients(path: Path, known_units: set[str]) -> Recipients:
    """The recipients file, validated: unknown units, unknown roles and malformed addresses are reported."""
    out = Recipients()
    if not path.exists():
        out.problems.append(f"{path}: không có tệp người nhận (unit_code,email,role)")
        return out
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"unit_code", "email"} - set(reader.fieldnames or [])
        if missing:
            out.problems.append(f"{path}: thiếu cột {', '.join(sorted(missing))}")
            return out
        for line, row in enumerate(reader, start=2):
            unit, email = (row.get("unit_code") or "").strip(), (row.get("email") or "").strip()
            role = (row.get("role") or "unit").strip() or "unit"
            if unit not in known_units:
                out.problems.append(f"{path.name} dòng {line}: đơn vị {unit!r} không có trong kho dữ liệu")
            elif role not in ROLES:
                out.problems.append(
                    f"{path.name} dòng {line}: vai trò {role!r} không hợp lệ (unit | province_office)"
                )
            elif not EMAIL.match(email):
                out.problems.append(f"{path.name} dòng {line}: địa chỉ thư {email!r} không hợp lệ")
            else:
                out.by_unit.setdefault((unit, role), []).append(email)
    return out


def _province(r: dict) -> str:
    return r.get("parent_unit_code") or r["unit_code"]


def _report_link(province: str) -> str | None:
    public = settings.public_url()
    return f"{public}/report/tinh-{province}.html" if public else None


def behind_text(r: dict, previous: str | None) -> tuple[str, str]:
    kpi = r.get("kpi_name_vi") or r["kpi_code"]
    subject = f"[chiso] {r['unit_name']}: {kpi} — {vi.status_name(r['status'])}"
    lines = [
        f"Kính gửi {r['unit_name']},",
        "",
        f"Chỉ tiêu: {kpi}",
        f"{vi.month(r['period_start'])}: thực hiện {vi.percent(r.get('actual'))} "
        f"({vi.number(r.get('numerator'))}/{vi.number(r.get('denominator'))})",
        f"Trạng thái: {vi.status_name(r['status'])} (trước đó: {vi.status_name(previous) if previous else '—'})",
        f"Mục tiêu: {tables.target_text(r) or vi.DASH}, thời hạn {vi.day(r.get('target_horizon_date'))}",
        f"Căn cứ pháp lý: {tables.legal_basis(r) or vi.DASH}",
        f"Theo lộ trình, kỳ này cần đạt: {vi.percent(r.get('expected_on_path'))}",
        f"Cần cải thiện mỗi tháng: {vi.points(r.get('monthly_improvement_needed'))}",
    ]
    link = _report_link(_province(r))
    if link:
        lines.append(f"Báo cáo: {link}")
    return subject, "\n".join(lines)


def recovered_text(r: dict, previous: str | None) -> tuple[str, str]:
    kpi = r.get("kpi_name_vi") or r["kpi_code"]
    subject = f"[chiso] {r['unit_name']}: {kpi} — {vi.status_name(r['status'])}"
    body = (f"Kính gửi {r['unit_name']},\n\n{kpi}: {vi.month(r['period_start'])} thực hiện "
            f"{vi.percent(r.get('actual'))}, đã trở lại {vi.status_name(r['status']).lower()} "
            f"(trước đó: {vi.status_name(previous)}).")  # fmt: skip
    return subject, body


def digest_text(province_name: str, changes: list[tuple[str, dict, str | None]]) -> tuple[str, str]:
    subject = f"[chiso] {province_name}: {len(changes)} thay đổi tình trạng chỉ tiêu"
    lines = [f"Tổng hợp thay đổi tình trạng chỉ tiêu của các đơn vị thuộc {province_name}:", ""]
    for _kind, r, previous in sorted(
        changes, key=lambda c: (c[0] != "behind", c[1]["unit_name"], c[1]["kpi_code"])
    ):
        lines.append(f"- {r['unit_name']} — {r.get('kpi_name_vi') or r['kpi_code']}: "
                     f"{vi.status_name(previous) if previous else '—'} → {vi.status_name(r['status'])}, "
                     f"{vi.percent(r.get('actual'))} ({vi.month(r['period_start'])})")  # fmt: skip
    return subject, "\n".join(lines)


def _id(*parts: Any) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:24]


def _last_seen(wh) -> tuple[bool, dict[tuple, str]]:
    rows = wh.execute(f"""
        select unit_code, unit_valid_from, kpi_code, status from (
            select *, row_number() over (partition by unit_code, unit_valid_from, kpi_code
                                         order by created_at desc, notice_id desc) as n
            from {TABLE} where kpi_code is not null) as ranked where n = 1
    """).fetchall()  # fmt: skip
    any_row = wh.execute(f"select count(*) from {TABLE}").fetchone()[0] > 0
    return any_row, {(u, vf, k): s for u, vf, k, s in rows}


def run(
    send_mail: SendMail, post_chat: PostChat | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Compare, record, send, record the outcome. Returns counts and the recipients file's problems."""
    now = (now or datetime.now(UTC)).replace(tzinfo=None)
    with backend.connect() as wh:
        schema.ensure_raw_schema(wh)
        current = data.latest_statuses(wh)
        seen_before, last = _last_seen(wh)
    recipients = load_recipients(settings.recipients_file(), {r["unit_code"] for r in current})
    for problem in recipients.problems:
        log.warning("recipients: %s", problem)

    rows: list[dict[str, Any]] = []  # what raw.unit_notice receives
    outgoing: list[tuple[dict[str, Any], list[str], str, str]] = []  # (row, addresses, subject, body)
    digests: dict[str, list[tuple[str, dict, str | None]]] = {}
    names = {r["unit_code"]: r["unit_name"] for r in current if r.get("unit_level") == "province"}
    for r in current:
        key = (r["unit_code"], r["unit_valid_from"], r["kpi_code"])
        previous = last.get(key)
        if seen_before and previous == r["status"]:
            continue
        if not seen_before:
            kind = "baseline"
        elif r["status"] in BEHIND:
            kind = "behind"
        elif previous in BEHIND and r["status"] in GOOD:
            kind = "recovered"
        else:
            kind = "status"
        row = {
            "notice_id": _id(*key, r["period_start"], r["status"], now.isoformat()), "created_at": now,
            "kind": kind, "unit_code": r["unit_code"], "unit_valid_from": r["unit_valid_from"],
            "kpi_code": r["kpi_code"], "period_start": r["period_start"], "status": r["status"],
            "previous_status": previous, "recipient": None, "channel": "none", "delivered": False,
            "detail": "not sent" if kind in ("baseline", "status") else "pending", "message": None,
        }  # fmt: skip
        if kind in ("behind", "recovered"):
            subject, body = (behind_text if kind == "behind" else recovered_text)(r, previous)
            row["message"] = body
            addresses = recipients.by_unit.get((r["unit_code"], "unit"), [])
            row["recipient"] = f"{r['unit_code']}/unit"
            if addresses:
                outgoing.append((row, addresses, subject, body))
            else:
                row["detail"] = "không có người nhận cho đơn vị này"
            digests.setdefault(_province(r), []).append((kind, r, previous))
        rows.append(row)
    for province, changes in digests.items():
        subject, body = digest_text(names.get(province, province), changes)
        row = {
            "notice_id": _id(province, "digest", now.isoformat()), "created_at": now, "kind": "digest",
            "unit_code": province, "unit_valid_from": None, "kpi_code": None, "period_start": None,
            "status": None, "previous_status": None, "recipient": f"{province}/province_office",
            "channel": "none", "delivered": False, "detail": "pending", "message": body,
        }  # fmt: skip
        addresses = recipients.by_unit.get((province, "province_office"), [])
        rows.append(row)
        outgoing.append((row, addresses, subject, body))

    columns = [c.name for c in contracts.LOADER_TABLES["unit_notice"].columns]
    with backend.connect() as wh, wh.transaction():  # recorded before sending: a rerun never sends twice
        wh.insert_rows(TABLE, columns, [[row[c] for c in columns] for row in rows])

    for row, addresses, subject, body in outgoing:
        outcomes = []
        if addresses:
            outcomes.append(send_mail(addresses, subject, body))
        if row["kind"] == "digest" and post_chat is not None:
            outcomes.append(post_chat(subject, body))
        if outcomes:
            row["channel"] = ", ".join(o[0] for o in outcomes)
            row["delivered"] = all(o[1] for o in outcomes)
            row["detail"] = "; ".join(o[2] for o in outcomes)
        else:
            row["detail"] = "không có người nhận"
    if outgoing:
        with backend.connect() as wh, wh.transaction():
            for row, *_ in outgoing:
                wh.execute(f"update {TABLE} set channel = ?, delivered = ?, detail = ? where notice_id = ?",
                           [row["channel"], row["delivered"], row["detail"], row["notice_id"]])  # fmt: skip
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["kind"]] = counts.get(row["kind"], 0) + 1
    return {"counts": counts, "sent": sum(1 for r, *_ in outgoing if r["delivered"]),
            "problems": recipients.problems}  # fmt: skip
