"""Agencies below the province: dim_agency, unknown agency codes, sub-province KPI rows, Biểu 06 reconciliation.

Expected numbers are computed by hand from the fixture rows in chiso_dbt_fixture.py (DOSSIERS,
UNKNOWN_AGENCY_DOSSIERS, SUB_UNIT_DOSSIERS, DOCUMENTS, BIEU06).
"""

from __future__ import annotations

OLD = "1900-01-01"
NEW = "2025-07-01"
DOSSIER_KPIS = ("online_dossier_share", "on_time_share", "online_payment_rate", "digitised_dossier_share")


def one(mart, unit_code, valid_from, kpi, period_type, period_start) -> dict:
    rows = mart(
        "select * from mart_kpi_progress where unit_code = ? and unit_valid_from = cast(? as date) "
        "and kpi_code = ? and period_type = ? and period_start = cast(? as date)",
        [unit_code, valid_from, kpi, period_type, period_start],
    )
    assert len(rows) == 1, f"expected one row for {unit_code} {kpi} {period_start}, got {len(rows)}"
    return rows[0]


# ------------------------------------------------------------------------------------------------ dim_agency
def test_dim_agency_sample_and_phu_tho(mart):
    rows = mart(
        "select agency_code, cast(valid_from as varchar) as vf, cast(valid_to as varchar) as vt, agency_kind, "
        "admin_unit_code, admin_unit_level, match_method from dim_agency where agency_code = 'H55.01' "
        "order by valid_from"
    )
    # the same identifier for old and new Thái Nguyên's department: two rows, both on province 19
    assert [(r["vf"], r["vt"], r["admin_unit_code"], r["admin_unit_level"]) for r in rows] == [
        (OLD, "2025-06-30", "19", "province"),
        (NEW, None, "19", "province"),
    ]
    district = mart("select * from dim_agency where agency_code = 'H14.30'")[0]
    assert (district["agency_kind"], district["admin_unit_code"], district["admin_unit_name"]) == (
        "district_committee",
        "040",
        "Thành phố Cao Bằng",
    )
    # H44 has two rows (old and new Phú Thọ): the current one is the 2025-07-01 version
    root = mart("select * from dim_agency where agency_code = 'H44' order by valid_from desc")[0]
    assert (root["agency_kind"], root["admin_unit_code"], str(root["admin_unit_valid_from"])) == (
        "province",
        "25",
        NEW,
    )
    assert root["admin_unit_name"] == "Tỉnh Phú Thọ"
    phu_tho = mart(
        "select count(*) as n, sum(case when is_matched then 1 else 0 end) as matched, "
        "sum(case when agency_kind = 'commune_committee' then 1 else 0 end) as communes "
        "from dim_agency where agency_prefix = 'H44' and source like 'dvcqg-766%'"
    )[0]  # the 766 captures (the sample's Phú Thọ units share the H44 prefix since the QĐ 20/2020 prefixes)
    assert (phu_tho["n"], phu_tho["matched"], phu_tho["communes"]) == (164, 164, 148)
    viet_tri = mart("select * from dim_agency where agency_code = 'H44.100'")[0]
    assert (viet_tri["admin_unit_code"], viet_tri["admin_unit_name"], viet_tri["match_method"]) == (
        "07900",
        "Phường Việt Trì",
        "name_match",
    )
    # the generator's ward code (vietnam_provinces 05794) differs from the statistics office's: office code
    phu_lac = mart("select * from dim_agency where agency_code = 'H55.175'")[0]
    assert (phu_lac["admin_unit_code"], phu_lac["match_method"]) == ("05788", "name_match")


# --------------------------------------------------------------------------------------- unknown agency codes
def test_unknown_agency_codes_are_listed(mart):
    rows = mart(
        "select source_dataset, agency_code, reason, cast(first_period_month as varchar) as first_m, "
        "cast(last_period_month as varchar) as last_m, period_count, row_count, agency_prefix "
        "from mart_unknown_agency_codes order by agency_code"
    )
    assert rows == [
        {
            "source_dataset": "motcua_dossier",
            "agency_code": "H14.77",
            "reason": "not_in_crosswalk",
            "first_m": "2024-03-01",
            "last_m": "2024-03-01",
            "period_count": 1,
            "row_count": 1,
            "agency_prefix": "H14",
        },
        {
            "source_dataset": "motcua_dossier",
            "agency_code": "H99.01",
            "reason": "not_in_crosswalk",
            "first_m": "2025-05-01",
            "last_m": "2025-05-01",
            "period_count": 1,
            "row_count": 1,
            "agency_prefix": "H99",
        },
    ]


def test_unknown_agency_codes_are_not_attributed_to_a_unit(mart):
    # no unit row carries an unknown code, and the dossier of an unknown prefix belongs to no province
    assert (
        mart("select count(*) as n from mart_kpi_progress where unit_code in ('H99.01', 'H14.77')")[0]["n"]
        == 0
    )
    h99 = mart("select reported_unit_code, current_unit_code from fct_dossier where agency_code = 'H99.01'")[
        0
    ]
    assert (h99["reported_unit_code"], h99["current_unit_code"]) == (None, None)
    # H14.77 has Cao Bằng's prefix: it counts for the province (2 of 3 online: H14.77 and one of H14.30's) ...
    cb = one(mart, "04", OLD, "online_dossier_share", "month", "2024-03-01")
    assert (cb["numerator"], cb["denominator"]) == (2, 3)
    # ... but for no unit below it: the units of Cao Bằng hold only H14.30's two dossiers
    below = mart(
        "select sum(denominator) as d from mart_kpi_progress where parent_unit_code = '04' "
        "and kpi_code = 'online_dossier_share' and period_type = 'month' "
        "and period_start = cast('2024-03-01' as date)"
    )[0]
    assert below["d"] == 2


# --------------------------------------------------------------------------------------- KPIs below province
def test_department_rows(mart):
    # old Bắc Kạn, May 2025: H04.01 received 2 online (one finished on time, one open within deadline);
    # H04.02 received 1 at the counter, finished late
    d1 = one(mart, "H04.01", OLD, "online_dossier_share", "month", "2025-05-01")
    assert (d1["numerator"], d1["denominator"], d1["actual"]) == (2, 2, 100.0)
    assert (d1["unit_level"], d1["unit_kind"], d1["parent_unit_code"], str(d1["parent_unit_valid_from"])) == (
        "department",
        "agency",
        "06",
        OLD,
    )
    assert d1["unit_name"] == "Văn phòng UBND tỉnh Bắc Kạn"
    assert str(d1["unit_valid_to"]) == "2025-06-30"
    on_time = one(mart, "H04.01", OLD, "on_time_share", "month", "2025-05-01")
    assert (on_time["numerator"], on_time["denominator"]) == (2, 2)
    d2 = one(mart, "H04.02", OLD, "on_time_share", "month", "2025-05-01")
    assert (d2["numerator"], d2["denominator"], d2["actual"]) == (0, 1, 0.0)
    # new Thái Nguyên, August 2025: its departments add up to its own dossiers (2 of 4 online)
    parts = mart(
        "select unit_code, numerator, denominator from mart_kpi_progress where parent_unit_code = '19' "
        "and parent_unit_valid_from = cast('2025-07-01' as date) and kpi_code = 'online_dossier_share' "
        "and period_type = 'month' and period_start = cast('2025-08-01' as date) order by unit_code"
    )
    assert [(r["unit_code"], r["numerator"], r["denominator"]) for r in parts] == [
        ("H55.01", 2, 2),
        ("H55.03", 0, 2),
    ]


def test_district_and_commune_rows(mart):
    # district 040 (Thành phố Cao Bằng) through H14.30, March 2024: 1 of 2 online, 1 of 2 on time
    dist = one(mart, "040", OLD, "online_dossier_share", "month", "2024-03-01")
    assert (dist["numerator"], dist["denominator"], dist["unit_level"], dist["unit_kind"]) == (
        1,
        2,
        "district",
        "administrative_unit",
    )
    assert dist["unit_name"] == "Thành phố Cao Bằng" and dist["parent_unit_code"] == "04"
    assert (one(mart, "040", OLD, "on_time_share", "month", "2024-03-01")["numerator"]) == 1
    # ward 01273 (Phường Thục Phán) through H14.100, August 2025: 1/1 online, paid online, digitised
    ward = one(mart, "01273", NEW, "online_dossier_share", "month", "2025-08-01")
    assert (ward["numerator"], ward["denominator"], ward["unit_level"], ward["unit_name"]) == (
        1,
        1,
        "commune",
        "Phường Thục Phán",
    )
    for kpi in DOSSIER_KPIS:
        row = one(mart, "01273", NEW, kpi, "month", "2025-08-01")
        assert (row["numerator"], row["denominator"]) == (1, 1), kpi
    # a national target without a level applies to communes too: NQ 76 online dossiers >= 50 % by 2025
    assert (ward["target_id"], ward["target_value"], ward["status"]) == ("NAT-76-05", 50.0, "achieved")
    # quarter and year rows exist below the province as well
    q3 = one(mart, "01273", NEW, "online_dossier_share", "quarter", "2025-07-01")
    assert (q3["numerator"], q3["denominator"]) == (1, 1)


def test_document_kpi_below_the_province(mart):
    # Cao Bằng, March 2024: H14.01 has 2 non-secret documents (1 electronic); H14.05 has 1 (electronic)
    vp = one(mart, "H14.01", OLD, "electronic_document_share", "month", "2024-03-01")
    assert (vp["numerator"], vp["denominator"], vp["actual"]) == (1, 2, 50.0)
    snv = one(mart, "H14.05", OLD, "electronic_document_share", "month", "2024-03-01")
    assert (snv["numerator"], snv["denominator"]) == (1, 1)


def test_province_rows_unchanged_and_levels(mart):
    # the province rows keep their numbers (see test_dbt_build.py) and carry the new columns
    row = one(mart, "19", NEW, "online_dossier_share", "month", "2025-05-01")
    assert (row["numerator"], row["denominator"], row["unit_kind"], row["parent_unit_code"]) == (
        3,
        5,
        "administrative_unit",
        None,
    )
    levels = {r["unit_level"] for r in mart("select distinct unit_level from mart_kpi_progress")}
    assert levels == {"province", "district", "commune", "department"}
    behind = mart("select distinct unit_level from mart_units_behind")
    assert {r["unit_level"] for r in behind} <= {"province", "commune", "department"}


# ------------------------------------------------------------------------------------ Biểu 06 reconciliation
def test_bieu06_reconciliation(mart):
    rows = mart(
        "select cast(period_start as varchar) as ps, reporting_unit, unit_code, printed_received_total, "
        "computed_received_total, diff_received_total, diff_received_carried_over, printed_resolved_total, "
        "computed_resolved_total, diff_resolved_total, computed_pending_total, diff_pending_total, "
        "computed_received_new_online, reconciliation_status "
        "from fct_bieu06_reconciliation order by period_start, reporting_unit"
    )
    by = {(r["ps"], r["reporting_unit"]): r for r in rows}
    assert len(rows) == 3  # total rows only; the unit row is not reconciled
    may = by[("2025-05-01", "UBND tỉnh Bắc Kạn")]
    # ours: 2 online + 1 counter received in May, 2 resolved, 1 pending; printed one carried-over more
    assert (may["unit_code"], may["printed_received_total"], may["computed_received_total"]) == ("06", 4, 3)
    assert (may["diff_received_total"], may["diff_received_carried_over"], may["diff_pending_total"]) == (
        1,
        1,
        1,
    )
    assert (
        may["computed_resolved_total"],
        may["diff_resolved_total"],
        may["computed_received_new_online"],
    ) == (
        2,
        0,
        2,
    )
    assert may["reconciliation_status"] == "differs"
    june = by[("2025-06-01", "UBND tỉnh Bắc Kạn")]
    assert (
        june["computed_received_total"],
        june["computed_resolved_total"],
        june["computed_pending_total"],
    ) == (
        1,
        1,
        0,
    )
    assert june["reconciliation_status"] == "match"
    unknown = by[("2025-06-01", "UBND tỉnh Không Rõ")]
    assert (unknown["unit_code"], unknown["computed_received_total"], unknown["reconciliation_status"]) == (
        None,
        None,
        "unit_not_matched",
    )
