"""End to end through Airflow for the plans source: a filled template lands in data/incoming/plans, goes
through ingest_plans (land → parse → validate → load) and build_warehouse, and its targets appear in
mart_kpi_progress for the right units and periods; a later workbook for the same KPI × unit × horizon takes
over from its document's date and the earlier version stays in the history."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pytest

pytestmark = pytest.mark.e2e

START, END = "2025-06", "2025-09"
KPI = "online_dossier_share"


def _doc(number: str, on: str) -> dict:
    return {
        "document_number": number,
        "document_date": on,
        "issuing_body": "UBND tỉnh Cao Bằng",
        "document_article": "Phụ lục I",
        "is_verified": "Có",
    }


def _units():
    """The departments and the (listed) communes of the new Cao Bằng the sample simulates."""
    from chiso.sources.plans import reference
    from chiso_sample.units import units_for

    new = next(u for u in units_for(1) if u.valid_from == date(2025, 7, 1))
    listed = {c.code for c in reference.current_units(date(2025, 7, 1), "04")}
    departments = [a.code for a in new.agencies if a.kind == "dept"]
    communes = [
        a.admin_unit_code for a in new.agencies if a.kind == "commune" and a.admin_unit_code in listed
    ]
    return departments, communes


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    data = tmp_path_factory.mktemp("plans_e2e") / "data"
    env = {
        "CHISO_DATA_DIR": str(data),
        "AIRFLOW_HOME": str(data.parent / "airflow"),
        "CHISO_PII_KEY": "e2e-key",
    }
    with pytest.MonkeyPatch.context() as mp:  # the environment as it was, afterwards
        for k, v in env.items():
            mp.setenv(k, v)
        import chiso_sample as sample
        from chiso.orchestration import airflow_runner
        from chiso.sources.plans.template import write_workbook

        incoming = data / "incoming"
        sample.generate(
            incoming,
            seed=11,
            provinces=1,
            start=START,
            end=END,
            dossiers_per_month=150,
            documents_per_month=20,
        )
        shutil.rmtree(incoming / "plans")  # this test's own workbooks only
        departments, communes = _units()
        doc = _doc("12/KH-UBND", "01/07/2025")
        write_workbook(
            incoming / "plans" / "04" / "kehoach_04_2025-07-01.xlsx",
            [
                {
                    "kpi": "Tỷ lệ hồ sơ trực tuyến",
                    "unit": "04 – Tỉnh Cao Bằng",
                    "value": 65,
                    "horizon": 2026,
                    **doc,
                },
                {"kpi": "Tỷ lệ hạnh phúc", "unit": "04", "value": 90, "horizon": 2026, **doc},  # rejected
            ]
            + [
                {"kpi": KPI, "unit": d, "unit_level": "Sở, ngành", "value": 77, "horizon": 2026, **doc}
                for d in departments
            ]
            + [
                {"kpi": KPI, "unit": c, "unit_level": "Xã", "value": 33, "horizon": 2026, **doc}
                for c in communes
            ],
            [
                {
                    "kpi": "dti_rank",
                    "edition": 2024,
                    "unit": "04",
                    "rank": 20,
                    "rank_out_of": 63,
                    "document_number": "Báo cáo DTI 2024",
                    "document_date": "30/06/2025",
                }
            ],
            province_code="04",
            on=date(2025, 7, 1),
        )
        airflow_runner.init(echo=lambda s: None)
        airflow_runner.run_all(echo=print)
        yield data, len(departments) + len(communes)


def _q(data, sql, params=()):
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _target(data, unit_code, month):
    rows = _q(
        data,
        """select target_value, target_source, target_legal_basis, target_valid_from, target_valid_to
                       from marts.mart_kpi_progress
                       where unit_code = ? and unit_valid_to is null and kpi_code = ? and period_type = 'month'
                         and period_start = cast(? as date)""",
        (unit_code, KPI, f"{month}-01"),
    )
    assert len(rows) == 1, (unit_code, month, rows)
    return rows[0]


def _below_the_province(data, month):
    """(level, target value, source, document) of every department and commune row of the month."""
    return _q(
        data,
        """select unit_level, target_value, target_source, target_legal_basis
                       from marts.mart_kpi_progress
                       where unit_level in ('department', 'commune') and unit_valid_to is null and kpi_code = ?
                         and period_type = 'month' and period_start = cast(? as date)""",
        (KPI, f"{month}-01"),
    )


def test_the_filled_template_loads_through_airflow_and_sets_the_targets(pipeline):
    data, sub_units = pipeline
    manifest = _q(
        data,
        "select status, rows_read, rows_loaded, rows_rejected from raw.landing_manifest "
        "where source_system = 'plans'",
    )
    assert manifest == [("loaded", sub_units + 3, sub_units + 2, 1)]
    rejected = _q(
        data,
        "select column_name, found from raw.rejected_row r join raw.landing_manifest m "
        "using (batch_id) where m.source_system = 'plans'",
    )
    assert rejected == [("Chỉ tiêu: Chỉ tiêu (mã hoặc tên)", "Tỷ lệ hạnh phúc")]
    for month in ("2025-07", "2025-08", "2025-09"):
        assert _target(data, "04", month)[:3] == (65.0, "plan", "12/KH-UBND"), month
        # every department and commune with dossiers that month carries its own quota from the plan
        rows = _below_the_province(data, month)
        assert {level for level, *_ in rows} == {"department", "commune"}, month
        for level, *target in rows:
            assert tuple(target) == ({"department": 77.0, "commune": 33.0}[level], "plan", "12/KH-UBND"), (
                month
            )
    # before the document's date the plan does not apply: the province's June falls back to the seed's targets
    june = _target(data, "04", "2025-06")
    assert june[1] != "plan"
    figure = _q(
        data,
        "select rank, rank_out_of, value, source_document from marts.mart_reported_figures "
        "where unit_code = '04' and kpi_code = 'dti_rank'",
    )
    assert figure == [(20, 63, None, "Báo cáo DTI 2024")]


def test_a_superseding_workbook_takes_over_from_its_date_and_keeps_the_history(pipeline):
    from chiso.orchestration import airflow_runner
    from chiso.sources.plans.template import write_workbook

    data, _ = pipeline
    write_workbook(
        data / "incoming" / "plans" / "04" / "kehoach_04_2025-08-15.xlsx",
        [{"kpi": KPI, "unit": "04", "value": 75, "horizon": 2026, **_doc("30/KH-UBND", "15/08/2025")}],
        province_code="04",
        on=date(2025, 8, 15),
    )
    airflow_runner.run_dag("ingest_plans", echo=lambda s: None)
    airflow_runner.run_dag("build_warehouse", echo=lambda s: None)

    assert _target(data, "04", "2025-07")[:3] == (65.0, "plan", "12/KH-UBND")  # July ended before 15/08
    assert _target(data, "04", "2025-08")[:4] == (75.0, "plan", "30/KH-UBND", date(2025, 8, 15))
    assert _target(data, "04", "2025-09")[:3] == (75.0, "plan", "30/KH-UBND")
    departments = [r for r in _below_the_province(data, "2025-09") if r[0] == "department"]
    assert departments and {r[1:] for r in departments} == {
        (77.0, "plan", "12/KH-UBND")
    }  # not re-set: unchanged
    history = _q(
        data,
        """select document_number, target_value, version_valid_from, version_valid_to
                          from intermediate.int_plan_target_versions
                          where unit_code = '04' and kpi_code = ? order by version_number""",
        (KPI,),
    )
    assert history == [
        ("12/KH-UBND", 65.0, date(2025, 7, 1), date(2025, 8, 14)),
        ("30/KH-UBND", 75.0, date(2025, 8, 15), None),
    ]
    statuses = _q(data, "select status from raw.landing_manifest where source_system = 'plans'")
    assert sorted(s for (s,) in statuses) == ["loaded", "loaded"]  # both documents stay in the raw layer
