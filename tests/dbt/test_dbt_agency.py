"""Agencies below the province: dim_agency learned from the loaded data (with the real Phú Thọ 766 captures),
unknown agency codes, sub-province KPI rows, Biểu 06 reconciliation, and no product seed from the generator.

Expected numbers are computed by hand from the fixture rows in chiso_dbt_fixture.py (DOSSIERS,
UNKNOWN_AGENCY_DOSSIERS, SUB_UNIT_DOSSIERS, DOCUMENTS, BIEU06, UNITS_766, PHU_THO_766).
"""

from __future__ import annotations

import csv
import re

from chiso_dbt_fixture import DBT_PROJECT_DIR

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
def test_dim_agency_learned_from_the_data(mart):
    rows = mart(
        "select agency_code, cast(valid_from as varchar) as vf, cast(valid_to as varchar) as vt, agency_kind, "
        "admin_unit_code, admin_unit_level, match_method from dim_agency where agency_code = 'H55.01' "
        "order by valid_from"
    )
    # the same identifier for old and new Thái Nguyên's department: two rows, both on province 19
    assert [
        (r["vf"], r["vt"], r["admin_unit_code"], r["admin_unit_level"], r["match_method"]) for r in rows
    ] == [
        (OLD, "2025-06-30", "19", "province", "code"),
        (NEW, None, "19", "province", "code"),
    ]
    # named as the one-stop-shop exports name it, typed as the portal states it
    h0401 = mart("select * from dim_agency where agency_code = 'H04.01'")[0]
    assert (
        h0401["agency_name"],
        h0401["agency_kind"],
        h0401["department_type"],
        h0401["dvcqg_department_id"],
    ) == (
        "Văn phòng UBND tỉnh Bắc Kạn",
        "provincial_department",
        "PROVINCIAL_DEPARTMENT",
        "bk-01",
    )
    # a district committee: the old district of that name in the province
    district = mart("select * from dim_agency where agency_code = 'H14.30'")[0]
    assert (district["agency_kind"], district["admin_unit_code"], district["admin_unit_name"]) == (
        "district_committee",
        "040",
        "Thành phố Cao Bằng",
    )
    assert (district["match_method"], district["reporting_unit_code"], district["province_code"]) == (
        "name",
        "040",
        "04",
    )
    # a commune committee of the two-tier government: the ward of that name in new Cao Bằng
    ward = mart("select * from dim_agency where agency_code = 'H14.100'")[0]
    assert (ward["agency_kind"], ward["admin_unit_code"], str(ward["admin_unit_valid_from"])) == (
        "commune_committee",
        "01273",
        NEW,
    )
    # documents-only agencies are learned from the portal's list of the province's agencies
    assert {
        r["agency_code"]: r["agency_kind"]
        for r in mart(
            "select agency_code, agency_kind from dim_agency where agency_code in ('H14.01', 'H14.05')"
        )
    } == {"H14.01": "provincial_department", "H14.05": "provincial_department"}
    # nothing the data do not name: no agency of a province the fixture never mentions
    assert mart("select count(*) as n from dim_agency where agency_prefix = 'H01'")[0]["n"] == 0


def test_phu_tho_captures_all_matched(mart):
    """The real Phú Thọ 766 captures: root, 15 departments and 148 communes, every one placed."""
    root = mart("select * from dim_agency where agency_code = 'H44'")[0]
    assert (root["agency_kind"], root["admin_unit_code"], str(root["admin_unit_valid_from"])) == (
        "province",
        "25",
        NEW,
    )
    assert (root["admin_unit_name"], root["dvcqg_department_id"]) == (
        "Tỉnh Phú Thọ",
        "019d2be3-6a88-732b-8b17-b68020c8553a",
    )
    counts = {
        (r["agency_kind"], r["match_method"]): (r["n"], r["matched"], r["units"])
        for r in mart(
            "select agency_kind, match_method, count(*) as n, sum(case when is_matched then 1 else 0 end) as matched, "
            "count(distinct admin_unit_code) as units from dim_agency where agency_prefix = 'H44' group by 1, 2"
        )
    }
    assert counts == {
        ("province", "code"): (1, 1, 1),
        ("provincial_department", "code"): (15, 15, 1),
        # 148 of 148 communes, each on its own ward of Phú Thọ
        ("commune_committee", "name"): (148, 148, 148),
    }
    wrong_province = mart(
        "select count(*) as n from dim_agency as a inner join dim_admin_unit as u "
        "on a.admin_unit_code = u.unit_code and a.admin_unit_valid_from = u.unit_valid_from "
        "where a.agency_prefix = 'H44' and a.agency_kind = 'commune_committee' and u.parent_unit_code <> '25'"
    )[0]
    assert wrong_province["n"] == 0
    viet_tri = mart("select * from dim_agency where agency_code = 'H44.100'")[0]
    assert (viet_tri["admin_unit_code"], viet_tri["admin_unit_name"], viet_tri["match_method"]) == (
        "07900",
        "Phường Việt Trì",
        "name",
    )
    # the portal's province suffix does not matter: "UBND xã Lâm Thao - Tỉnh Phú Thọ"
    lam_thao = mart("select agency_name, admin_unit_name from dim_agency where agency_code = 'H44.106'")[0]
    assert (lam_thao["agency_name"], lam_thao["admin_unit_name"]) == (
        "UBND xã Lâm Thao - Tỉnh Phú Thọ",
        "Xã Lâm Thao",
    )
    # the groups that publish no code are tied to the units by departmentId: nothing of Phú Thọ is unknown
    assert (
        mart("select count(*) as n from mart_unknown_agency_codes where source_dataset = 'dvc_766_unit'")[0][
            "n"
        ]
        == 0
    )


# --------------------------------------------------------------------------------------- unknown agency codes
def test_unknown_agency_codes_are_listed(mart):
    rows = mart(
        "select source_dataset, agency_code, reason, cast(first_period_month as varchar) as first_m, "
        "cast(last_period_month as varchar) as last_m, period_count, row_count, agency_prefix, agency_name "
        "from mart_unknown_agency_codes order by agency_code"
    )
    assert rows == [
        {
            "source_dataset": "motcua_dossier",
            "agency_code": "H14.77",
            "reason": "no_unit_with_name",
            "first_m": "2024-03-01",
            "last_m": "2024-03-01",
            "period_count": 1,
            "row_count": 1,
            "agency_prefix": "H14",
            "agency_name": "UBND Huyện Phong Thổ",
        },
        {
            "source_dataset": "motcua_dossier",
            "agency_code": "H99.01",
            "reason": "unknown_prefix",
            "first_m": "2025-05-01",
            "last_m": "2025-05-01",
            "period_count": 1,
            "row_count": 1,
            "agency_prefix": "H99",
            "agency_name": "Cơ quan không rõ",
        },
    ]
    # the learned agency that could not be placed is in dim_agency with the same reason
    h1477 = mart(
        "select is_matched, unmatched_reason, agency_kind from dim_agency where agency_code = 'H14.77'"
    )
    assert h1477 == [
        {"is_matched": False, "unmatched_reason": "no_unit_with_name", "agency_kind": "district_committee"}
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
    assert len(rows) == 4  # total rows only; the unit row is not reconciled
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


# ------------------------------------------------------------------------------ real reference data only
SEEDS = DBT_PROJECT_DIR / "seeds"
# ref_provinces: the statistics office's codes and names, validity, succession, the QĐ 20/2020 prefix, and which
# seed article (docs/DOMAIN.md) is about the province; nothing that only serves a simulation
REF_PROVINCES_COLUMNS = [
    "province_code",
    "province_name",
    "valid_from",
    "valid_to",
    "successor_code",
    "relation",
    "agency_prefix",
    "seed_province",
    "seed_article",
]


def test_no_product_seed_comes_from_the_generator():
    csvs = sorted(SEEDS.glob("*.csv"))
    assert len(csvs) >= 8
    # the invented agency crosswalk is gone: agencies are learned from the loaded data
    assert "agency_crosswalk" not in {p.stem for p in csvs}
    for path in csvs:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            assert not [c for c in header if "weight" in c or "sample" in c], (path.name, header)
            generated = [
                row
                for row in reader
                if any("sample_generator" in cell or "chiso.sample" in cell for cell in row)
            ]
        assert generated == [], (path.name, generated[:3])
    with open(SEEDS / "ref_provinces.csv", encoding="utf-8-sig", newline="") as fh:
        assert next(csv.reader(fh)) == REF_PROVINCES_COLUMNS
    # no seed script imports the sample generator
    for script in sorted((DBT_PROJECT_DIR / "scripts").glob("*.py")):
        imports = re.findall(r"^\s*(?:from|import)\s+([\w.]+)", script.read_text(encoding="utf-8"), re.M)
        assert not [m for m in imports if "sample" in m], (script.name, imports)
