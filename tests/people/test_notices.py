"""Notices to units falling behind: a real SMTP server (aiosmtpd) and a real HTTP receiver get exactly one
notice per status change across two builds and a rerun; every notice is recorded without an address."""

from __future__ import annotations

import json
from datetime import date

import duckdb
from chiso import settings
from chiso.orchestration import tasks
from delivered import mail_text

KPI = "online_dossier_share"
UNITS = {  # code → (name, level, parent)
    "04": ("Tỉnh Cao Bằng", "province", None),
    "01234": ("Xã Hòa An", "commune", "04"),
    "01240": ("Xã Nguyên Bình", "commune", "04"),
}


def _build(month: date, statuses: dict[str, tuple[str, float]]) -> None:
    """What a dbt build leaves in the mart, reduced to what the notices read: one month per unit."""
    con = duckdb.connect(str(settings.warehouse_path()))
    con.execute("create schema if not exists marts")
    con.execute("""create or replace table marts.mart_kpi_progress (
        unit_code varchar, unit_valid_from date, unit_valid_to date, unit_name varchar, unit_level varchar,
        parent_unit_code varchar, kpi_code varchar, kpi_name_vi varchar, period_type varchar, period_start date,
        numerator bigint, denominator bigint, actual double, target_id varchar, target_value double,
        target_comparator varchar, target_horizon_date date, target_legal_basis varchar,
        target_legal_basis_date date, target_legal_basis_article varchar, expected_on_path double,
        monthly_improvement_needed double, status varchar)""")  # fmt: skip
    for code, (status, actual) in statuses.items():
        name, level, parent = UNITS[code]
        con.execute(
            "insert into marts.mart_kpi_progress values (?, date '2025-07-01', null, ?, ?, ?, ?, "
            "'Tỷ lệ hồ sơ trực tuyến', 'month', ?, ?, 1000, ?, 'T80-2030', 80, '>=', date '2030-12-31', "
            "'NQ 76/NQ-CP', date '2021-07-15', null, 62.5, 0.35, ?)",
            [code, name, level, parent, KPI, month, int(actual * 10), actual, status],
        )
    con.close()


def test_one_notice_per_status_change_across_builds_and_a_rerun(
    chiso_data, smtp_server, http_receiver, monkeypatch
):
    smtp_port, mails = smtp_server
    http_port, posts = http_receiver
    monkeypatch.setenv(
        "AIRFLOW_CONN_CHISO_SMTP", f"smtp://127.0.0.1:{smtp_port}?disable_ssl=true&disable_tls=true&from_email=chiso%40caobang.gov.vn"
    )
    monkeypatch.setenv("AIRFLOW_CONN_CHISO_WEBHOOK", f"http://127.0.0.1:{http_port}/zalo?token=t0k&group=vp")
    monkeypatch.setenv("CHISO_PUBLIC_URL", "http://chiso.caobang.gov.vn:8090")
    monkeypatch.setenv("CHISO_ALERT_BACKOFF", "0")
    config = chiso_data / "config"
    config.mkdir()
    (config / "recipients.csv").write_text(
        "unit_code,email,role\n01234,ubnd@hoaan.caobang.gov.vn,unit\n01240,ubnd@nguyenbinh.caobang.gov.vn,unit\n"
        "04,vanphong@caobang.gov.vn,province_office\n99999,x@caobang.gov.vn,unit\n01234,not-an-address,unit\n",
        encoding="utf-8",
    )

    # build 1: what is seen first is the baseline: nothing is sent
    _build(
        date(2026, 1, 1),
        {"04": ("on_track", 61.0), "01234": ("on_track", 60.0), "01240": ("off_track", 40.0)},
    )
    first = tasks.unit_notices()
    assert first["counts"] == {"baseline": 3} and mails == [] and posts == []
    assert len(first["problems"]) == 2
    assert "99999" in first["problems"][0] and "not-an-address" in first["problems"][1]

    # build 2: Hòa An falls to at risk, Nguyên Bình recovers; the province office gets one digest
    _build(
        date(2026, 2, 1), {"04": ("on_track", 62.0), "01234": ("at_risk", 58.25), "01240": ("on_track", 63.0)}
    )
    second = tasks.unit_notices()
    assert second["counts"] == {"behind": 1, "recovered": 1, "digest": 1} and second["sent"] == 3
    by_rcpt = {tuple(m.rcpt_tos): mail_text(m)[1] for m in mails}
    assert sorted(by_rcpt) == [("ubnd@hoaan.caobang.gov.vn",), ("ubnd@nguyenbinh.caobang.gov.vn",),
                               ("vanphong@caobang.gov.vn",)]  # fmt: skip
    behind = by_rcpt[("ubnd@hoaan.caobang.gov.vn",)]
    for text in ("Xã Hòa An", "Tỷ lệ hồ sơ trực tuyến", "Tháng 2/2026: thực hiện 58,25% (582/1.000)",
                 "Trạng thái: Có nguy cơ (trước đó: Đúng tiến độ)", "Mục tiêu: >= 80,00%, thời hạn 31/12/2030",
                 "Căn cứ pháp lý: NQ 76/NQ-CP, ngày 15/07/2021", "cần đạt: 62,50%", "+0,35 điểm %",
                 "http://chiso.caobang.gov.vn:8090/report/tinh-04.html"):  # fmt: skip
        assert text in behind, text
    assert "đã trở lại đúng tiến độ" in by_rcpt[("ubnd@nguyenbinh.caobang.gov.vn",)]
    digest = by_rcpt[("vanphong@caobang.gov.vn",)]
    assert "Xã Hòa An" in digest and "Xã Nguyên Bình" in digest
    assert [p[0] for p in posts] == ["/zalo?token=t0k&group=vp"], (
        "one digest to the chat, its query string kept"
    )

    # a rerun of the same build sends nothing
    assert tasks.unit_notices()["counts"] == {}
    assert len(mails) == 3 and len(posts) == 1

    # build 3: Hòa An worsens to off track: one notice and one digest
    _build(
        date(2026, 3, 1),
        {"04": ("on_track", 63.0), "01234": ("off_track", 50.0), "01240": ("on_track", 64.0)},
    )
    assert tasks.unit_notices()["counts"] == {"behind": 1, "digest": 1}
    assert len(mails) == 5 and len(posts) == 2

    con = duckdb.connect(str(settings.warehouse_path()), read_only=True)
    rows = con.execute("select kind, unit_code, recipient, channel, delivered from raw.unit_notice "
                       "where kind in ('behind', 'recovered', 'digest') order by created_at, kind").fetchall()  # fmt: skip
    everything = json.dumps(con.execute("select * from raw.unit_notice").fetchall(), default=str)
    con.close()
    assert [r[0] for r in rows] == ["behind", "digest", "recovered", "behind", "digest"]
    assert all(r[4] for r in rows), rows
    assert "@" not in everything and "t0k" not in everything, (
        "who is the file's entry, never an address or token"
    )
