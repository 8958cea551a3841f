"""End-to-end checks of the dbt project on the hand-made raw layer of conftest.py.

Every expected number is computed by hand from the fixture rows (see the comments there). `actual` is a
percentage on the 0-100 scale rounded to 2 decimals.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

OLD = "1900-01-01"
NEW = "2025-07-01"


def one(mart, unit_code, valid_from, kpi, period_type, period_start) -> dict:
    rows = mart(
        "select * from mart_kpi_progress where unit_code = ? and unit_valid_from = cast(? as date) "
        "and kpi_code = ? and period_type = ? and period_start = cast(? as date)",
        [unit_code, valid_from, kpi, period_type, period_start],
    )
    assert len(rows) == 1, f"expected one row, got {len(rows)}"
    return rows[0]


def test_mart_columns(mart):
    names = [
        r["column_name"]
        for r in mart(
            "select column_name from information_schema.columns where table_name = 'mart_kpi_progress' "
            "order by ordinal_position"
        )
    ]
    for required in [
        "unit_code",
        "unit_valid_from",
        "unit_name",
        "unit_level",
        "is_successor_series",
        "kpi_code",
        "period_type",
        "period_start",
        "numerator",
        "denominator",
        "actual",
        "target_value",
        "target_year",
        "target_legal_basis",
        "attainment_pct",
        "status",
    ]:
        assert required in names


def test_online_share_old_bac_kan_own_past(mart):
    row = one(mart, "06", OLD, "online_dossier_share", "month", "2025-05-01")
    assert (row["numerator"], row["denominator"], row["actual"]) == (2, 3, Decimal("66.67"))
    assert row["unit_name"] == "Tỉnh Bắc Kạn"
    assert row["is_successor_series"] is False


def test_ceased_unit_has_no_rows_after_its_end(mart):
    rows = mart(
        "select count(*) as n from mart_kpi_progress where unit_code = '06' "
        "and period_start > cast('2025-06-30' as date)"
    )
    assert rows[0]["n"] == 0
    # ... but its own 2025 year (which starts before its end) is there, with its own dossiers only
    row = one(mart, "06", OLD, "online_dossier_share", "year", "2025-01-01")
    assert (row["numerator"], row["denominator"]) == (2, 3)


def test_successor_series_adds_numerators_and_denominators(mart):
    old_tn = one(mart, "19", OLD, "online_dossier_share", "month", "2025-05-01")
    assert (old_tn["numerator"], old_tn["denominator"], old_tn["actual"]) == (1, 2, 50.0)
    new_tn = one(mart, "19", NEW, "online_dossier_share", "month", "2025-05-01")
    # 2/3 (Bắc Kạn) + 1/2 (old Thái Nguyên) = 3/5 = 60 %, not the mean of 66.67 and 50
    assert (new_tn["numerator"], new_tn["denominator"], new_tn["actual"]) == (3, 5, 60.0)
    assert new_tn["is_successor_series"] is True
    assert new_tn["member_unit_count"] == 3  # itself, old Bắc Kạn, old Thái Nguyên
    aug = one(mart, "19", NEW, "online_dossier_share", "month", "2025-08-01")
    assert (aug["numerator"], aug["denominator"], aug["actual"]) == (2, 4, 50.0)
    year = one(mart, "19", NEW, "online_dossier_share", "year", "2025-01-01")
    assert (year["numerator"], year["denominator"], year["actual"]) == (5, 9, Decimal("55.56"))
    q3 = one(mart, "19", NEW, "online_dossier_share", "quarter", "2025-07-01")
    assert (q3["numerator"], q3["denominator"]) == (2, 4)


def test_can_tho_successor_includes_hau_giang(mart):
    old_ct = one(mart, "92", OLD, "online_dossier_share", "month", "2023-06-01")
    assert (old_ct["numerator"], old_ct["denominator"], old_ct["actual"]) == (2, 3, Decimal("66.67"))
    new_ct = one(mart, "92", NEW, "online_dossier_share", "month", "2023-06-01")
    assert (new_ct["numerator"], new_ct["denominator"], new_ct["actual"]) == (2, 4, 50.0)
    assert new_ct["member_unit_count"] == 4  # itself, old Cần Thơ, Hậu Giang, Sóc Trăng


def test_on_time_share_766_rule(mart):
    # May 2025, Bắc Kạn: finished on time 1, finished late 1, open within deadline 1 -> 2/3
    bk = one(mart, "06", OLD, "on_time_share", "month", "2025-05-01")
    assert (bk["numerator"], bk["denominator"], bk["actual"]) == (2, 3, Decimal("66.67"))
    # June 2025, Bắc Kạn: the May dossier finished on time in June (its latest export) -> 1/1
    bk_june = one(mart, "06", OLD, "on_time_share", "month", "2025-06-01")
    assert (bk_june["numerator"], bk_june["denominator"]) == (1, 1)
    # August 2025, new Thái Nguyên: finished on time 2 (one only thanks to 2.5 supplement days), late 1,
    # open within deadline 1, plus old Thái Nguyên's dossier open since May and overdue -> 3/5
    tn = one(mart, "19", NEW, "on_time_share", "month", "2025-08-01")
    assert (tn["numerator"], tn["denominator"], tn["actual"]) == (3, 5, 60.0)


def test_other_dossier_kpis(mart):
    pay = one(mart, "06", OLD, "online_payment_rate", "month", "2025-05-01")
    assert (pay["numerator"], pay["denominator"], pay["actual"]) == (1, 2, 50.0)
    dig = one(mart, "06", OLD, "digitised_dossier_share", "month", "2025-05-01")
    assert (dig["numerator"], dig["denominator"], dig["actual"]) == (2, 3, Decimal("66.67"))
    # a period without fee-bearing dossiers: no value, status no_data
    none = one(mart, "19", OLD, "online_payment_rate", "month", "2025-05-01")
    assert (none["denominator"], none["actual"], none["status"]) == (0, None, "no_data")


def test_electronic_document_share_excludes_secret(mart):
    row = one(mart, "04", OLD, "electronic_document_share", "month", "2024-03-01")
    assert (row["numerator"], row["denominator"], row["actual"]) == (2, 3, Decimal("66.67"))


def test_online_service_with_dossier_share(mart):
    may = one(mart, "92", OLD, "online_service_with_dossier_share", "month", "2023-05-01")
    assert (may["numerator"], may["denominator"]) == (0, 1)
    june = one(mart, "92", OLD, "online_service_with_dossier_share", "month", "2023-06-01")
    assert (june["numerator"], june["denominator"], june["actual"]) == (1, 2, 50.0)
    # the quarter uses its latest snapshot (June), not May + June
    q2 = one(mart, "92", OLD, "online_service_with_dossier_share", "quarter", "2023-04-01")
    assert (q2["numerator"], q2["denominator"]) == (1, 2)


def test_target_selection(mart):
    # old Cần Thơ 2023: its own province target (30 %, 2023, seed 003) beats the national 2025 one
    ct = one(mart, "92", OLD, "online_payment_rate", "month", "2023-06-01")
    assert (ct["target_id"], ct["target_value"], ct["target_year"], ct["target_scope"]) == (
        "PRV-92-01",
        30.0,
        2023,
        "province",
    )
    assert ct["status"] == "achieved"
    # the new Cần Thơ series (which includes Hậu Giang) is not the old city: national target applies
    new_ct = one(mart, "92", NEW, "online_payment_rate", "month", "2023-06-01")
    assert (new_ct["target_id"], new_ct["target_year"]) == ("NAT-76-02", 2025)
    assert new_ct["target_legal_basis"] == "NQ 76/NQ-CP"
    assert new_ct["target_confidence"] == "unverified — check"
    # 2026: the 2025 targets are not binding any more
    pay_2026 = one(mart, "92", NEW, "online_payment_rate", "month", "2026-01-01")
    assert (pay_2026["target_id"], pay_2026["target_value"], pay_2026["status"]) == (None, None, "no_target")
    online_2026 = one(mart, "92", NEW, "online_dossier_share", "month", "2026-01-01")
    assert (online_2026["target_id"], online_2026["target_value"], online_2026["target_year"]) == (
        "NAT-76-06",
        80.0,
        2030,
    )
    # 2023: the nearest horizon (60 % in 2023, national CĐS plan) beats the 2025 ones
    online_2023 = one(mart, "92", OLD, "online_dossier_share", "month", "2023-06-01")
    assert (online_2023["target_id"], online_2023["target_value"]) == ("NAT-CDS23-02", 60.0)
    # 2025: 50 %
    online_2025 = one(mart, "06", OLD, "online_dossier_share", "month", "2025-05-01")
    assert online_2025["target_value"] == 50.0 and online_2025["target_year"] == 2025


def test_status_and_attainment(mart):
    # new Cần Thơ, January 2026: 33.33 % against 80 % by 2030; no month of the series has the 30 dossiers a
    # baseline needs (its first, June 2023, is 2 of 4), a province has no parent and the national target no
    # baseline: no baseline, no path, judged against the target alone
    row = one(mart, "92", NEW, "online_dossier_share", "month", "2026-01-01")
    assert (row["baseline_value"], row["baseline_date"], row["baseline_source"]) == (None, None, None)
    assert row["expected_on_path"] is None
    assert float(row["attainment_pct"]) == pytest.approx(41.66, abs=0.01)  # 100 * 33.33 / 80
    assert float(row["gap_to_target"]) == pytest.approx(-46.67, abs=0.01)
    assert row["status"] == "off_track"
    assert row["months_to_horizon"] == 59  # 2026-01 -> 2030-12
    assert float(row["monthly_improvement_needed"]) == pytest.approx(round(46.67 / 59, 2), abs=0.01)


def test_every_status_is_known(mart):
    rows = mart("select distinct status from mart_kpi_progress")
    assert {r["status"] for r in rows} <= {
        "achieved",
        "on_track",
        "at_risk",
        "off_track",
        "no_target",
        "no_data",
    }


def test_766_scorecard_published_recomputed_rank_change(mart):
    rows = mart(
        "select * from mart_766_scorecard where group_code = 'dvc-progress-tree' "
        "and period_start = cast('2025-05-01' as date) order by department_id"
    )
    by_id = {r["department_id"]: r for r in rows}
    root = by_id["bk-root"]
    assert (root["published_score"], root["recomputed_score"], root["recomputed_difference"]) == (
        14.0,
        14.0,
        0.0,
    )
    # our own dossiers: Bắc Kạn's May on-time share 2/3 -> 20 * 2/3 = 13.33
    assert root["own_data_score"] == Decimal("13.33")
    assert (root["unit_code"], str(root["unit_valid_from"])) == ("06", "1900-01-01")
    assert (by_id["bk-01"]["peer_rank"], by_id["bk-02"]["peer_rank"], by_id["bk-02"]["peer_count"]) == (
        1,
        2,
        2,
    )
    assert by_id["bk-02"]["recomputed_difference"] == 0.5  # published 12.5, 20 * 6/10 = 12
    june = mart(
        "select * from mart_766_scorecard where group_code = 'dvc-progress-tree' "
        "and department_id = 'bk-root' and period_start = cast('2025-06-01' as date)"
    )[0]
    assert (june["previous_score"], june["change_from_previous"]) == (14.0, 1.0)
    pay = mart(
        "select * from mart_766_scorecard where group_code = 'formality-online-payment-tree' "
        "and department_id = 'bk-root'"
    )[0]
    assert (pay["published_score"], pay["recomputed_score"]) == (6.25, 6.25)
    transparency = mart(
        "select * from mart_766_scorecard where group_code = 'transparency' and department_id = 'bk-root'"
    )[0]
    assert transparency["recomputed_score"] == Decimal("7.96")


def test_units_behind_needs_evidence(mart):
    # new Cần Thơ's online share in January 2026 (1 of 3 = 33.33 % against 80 % by 2030) is off track, but 3
    # dossiers are no evidence (fewer than 10): not listed; no unit of the fixture reaches 10 cases in a month
    row = one(mart, "92", NEW, "online_dossier_share", "month", "2026-01-01")
    assert row["status"] == "off_track" and row["denominator"] < 10
    assert mart("select * from mart_units_behind") == []


def test_dim_admin_unit_and_succession(mart):
    units = mart(
        "select * from dim_admin_unit where unit_code in ('06', '19') and unit_level = 'province' "
        "order by unit_code, unit_valid_from"
    )
    assert [(u["unit_code"], str(u["unit_valid_from"]), str(u["unit_valid_to"])) for u in units] == [
        ("06", "1900-01-01", "2025-06-30"),
        ("19", "1900-01-01", "2025-06-30"),
        ("19", "2025-07-01", "None"),
    ]
    links = mart(
        "select old_unit_code, new_unit_code, relation from bridge_admin_unit_succession "
        "where unit_level = 'province' and new_unit_code = '92' order by old_unit_code"
    )
    assert [(r["old_unit_code"], r["relation"]) for r in links] == [
        ("92", "whole"),
        ("93", "whole"),
        ("94", "whole"),
    ]
    # commune codes keep leading zeros and are re-used: Phường Ba Đình 00004 (new) was Phường Trúc Bạch
    ba_dinh = mart("select unit_name from dim_admin_unit where unit_code = '00004' order by unit_valid_from")
    assert [r["unit_name"] for r in ba_dinh] == ["Phường Trúc Bạch", "Phường Ba Đình"]


def test_dim_date_working_days(mart):
    tet = mart("select is_holiday, is_working_day from dim_date where date_day = cast('2025-01-29' as date)")[
        0
    ]
    assert (tet["is_holiday"], tet["is_working_day"]) == (True, False)
    n = mart(
        "select count(*) as n from dim_date where is_working_day and month_start = cast('2025-05-01' as date)"
    )
    # May 2025: 22 weekdays, minus 1 May (Labour Day, Thursday) and 2 May (bridge day, Friday)
    assert n[0]["n"] == 20


def test_fct_dossier_has_no_personal_data_and_one_row_per_dossier(mart):
    cols = {
        r["column_name"]
        for r in mart("select column_name from information_schema.columns where table_name = 'fct_dossier'")
    }
    assert not cols & {"applicant_key", "HoTenNguoiNop", "SoCCCD", "SoDienThoai", "DiaChi"}
    n = mart("select count(*) as n, count(distinct dossier_code) as d from fct_dossier")[0]
    assert n["n"] == n["d"] == 21  # 22 export rows, one dossier in two exports
    bk = mart(
        "select current_unit_code, cast(current_unit_valid_from as varchar) as vf, timeliness "
        "from fct_dossier where dossier_code = 'H04.01-250520-0002'"
    )[0]
    assert (bk["current_unit_code"], bk["vf"], bk["timeliness"]) == ("19", "2025-07-01", "finished_on_time")


def test_dim_date_makeup_saturday(mart):
    row = mart(
        "select is_working_day, is_makeup_working_day from dim_date where date_day = cast('2025-04-26' as date)"
    )[0]
    assert (row["is_working_day"], row["is_makeup_working_day"]) == (True, True)


def test_dim_procedure(mart):
    cols = (
        "procedure_name, field_code, field_name, online_level, cast(online_level_snapshot_month as varchar) as lvl, "
        "is_fee_bearing, cast(first_period_month as varchar) as first_m, cast(last_period_month as varchar) as last_m, "
        "dossier_count"
    )
    # 1.000001: the default procedure of the fixture dossiers: 21 dossiers less H13.01-230606 (1.000002) and
    # H13.02-230607 (1.000003) = 19, exports 2023-06 (old Cần Thơ, Hậu Giang) to 2026-01 (new Cần Thơ); catalogue
    # DV1 published "full" in May and June 2023 -> the June snapshot; has_fee true
    row = mart(f"select {cols} from dim_procedure where procedure_code = '1.000001'")
    assert row == [
        {
            "procedure_name": "Thủ tục 1.000001",
            "field_code": "F1",
            "field_name": "Lĩnh vực 1",
            "online_level": "full",
            "lvl": "2023-06-01",
            "is_fee_bearing": True,
            "first_m": "2023-06-01",
            "last_m": "2026-01-01",
            "dossier_count": 19,
        }
    ]
    # 1.000003: its only service DV3 is "testing", never published -> not offered online (null level), but the
    # catalogue's has_fee still says fee-bearing; one dossier, June 2023
    row = mart(f"select {cols} from dim_procedure where procedure_code = '1.000003'")[0]
    assert (row["online_level"], row["lvl"], row["is_fee_bearing"]) == (None, None, True)
    assert (row["first_m"], row["last_m"], row["dossier_count"]) == ("2023-06-01", "2023-06-01", 1)
    assert mart("select count(*) as n from dim_procedure")[0]["n"] == 3
