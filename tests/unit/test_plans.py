"""The plans source: the template `chiso template plans` writes, the parser's row rules (each kind of bad row
rejected with sheet, row, column, expected and found while the rest loads), detection, the contract."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from chiso import sources
from chiso.contracts.exports import PLAN_FIGURE_SHEET, PLAN_HEADERS, PLAN_LISTS_SHEET, PLAN_TARGET_SHEET
from chiso.sources.plans import reference
from chiso.sources.plans.template import write_workbook

DOC = {
    "document_number": "125/KH-UBND",
    "document_date": "15/01/2026",
    "issuing_body": "UBND tỉnh Cao Bằng",
    "document_article": "Mục II.1",
    "is_verified": "Có",
}


def target(**over):
    row = {"kpi": "Tỷ lệ hồ sơ trực tuyến", "unit": "04", "value": 80, "horizon": 2026, **DOC}
    row.update(over)
    return row


def figure(**over):
    row = {
        "kpi": "dti_rank",
        "edition": 2024,
        "unit": "Cao Bằng",
        "rank": 20,
        "rank_out_of": 63,
        "document_number": "Báo cáo DTI 2024",
        "document_date": "30/06/2025",
        "issuing_body": "Bộ TT&TT",
    }
    row.update(over)
    return row


GOOD_TARGETS = [
    target(),
    target(unit="H14.07", value=90, note="Sở Tư pháp"),
    target(
        unit="04 – Tỉnh Cao Bằng",
        kpi="online_payment_rate",
        value=60,
        horizon="31/12/2026",
        baseline_value="42,4",
        baseline_date="31/12/2025",
    ),
    target(unit="Phường Thục Phán", unit_level="Xã", value=70),
    target(kpi="dti_rank", value=15, direction="Giảm"),
]
# (row, the column its error names, what the error expects): one kind of defect each
BAD_TARGETS = [
    (target(kpi=None), "Chỉ tiêu (mã hoặc tên)", "a KPI code or name"),
    (target(kpi="Tỷ lệ hạnh phúc"), "Chỉ tiêu (mã hoặc tên)", "a KPI code or name of the catalogue"),
    (target(unit="Tỉnh Bắc Kạn"), "Đơn vị (mã hoặc tên)", "a unit valid on 15/01/2026"),
    (target(unit="Xã Không Có"), "Đơn vị (mã hoặc tên)", "a province or commune code or name"),
    (target(unit="04", unit_level="Huyện"), "Cấp đơn vị", "Tỉnh, Sở, ngành or Xã"),
    (target(value=None), "Giá trị mục tiêu", "a value"),
    (
        target(value=120, kpi="online_payment_rate"),
        "Giá trị mục tiêu",
        "a percent of online_payment_rate within",
    ),
    (target(value="nhiều"), "Giá trị mục tiêu", "a number"),
    (target(kpi="dti_rank", value=0.5), "Giá trị mục tiêu", "a rank of dti_rank"),
    (target(horizon=None, kpi="digitised_dossier_share"), "Thời hạn (năm hoặc ngày)", "a year"),
    (target(horizon="sắp tới", kpi="digitised_dossier_share"), "Thời hạn (năm hoặc ngày)", "a year"),
    (
        target(kpi="digitised_dossier_share", baseline_date="31/12/2027", baseline_value=10),
        "Thời hạn (năm hoặc ngày)",
        "a horizon after the baseline date",
    ),
    (
        target(kpi="digitised_dossier_share", horizon=2025),
        "Thời hạn (năm hoặc ngày)",
        "a horizon on or after the document's date",
    ),
    (target(kpi="vneid_account_share", document_number=None), "Số, ký hiệu văn bản", "the document's number"),
    (target(kpi="vneid_account_share", document_date="32/01/2026"), "Ngày văn bản", "a date dd/mm/yyyy"),
    (target(kpi="vneid_account_share", issuing_body=None), "Cơ quan ban hành", "the body that issued"),
    (target(kpi="satisfaction_share", direction="Ngang"), "Chiều (nếu khác danh mục)", "Tăng or Giảm"),
    (target(kpi="satisfaction_share", is_verified="Chắc chắn"), "Đã kiểm chứng", "Có or Không"),
    (target(value=85), "Thời hạn (năm hoặc ngày)", "one row per KPI x unit x horizon"),
]
GOOD_FIGURES = [
    figure(),
    figure(kpi="par_index_score", value="84,5", rank=None, rank_out_of=None, scale="điểm/100"),
]
BAD_FIGURES = [
    (figure(kpi="papi_rank", rank=70), "Thứ hạng", "a rank from 1 to 63"),
    (figure(kpi="pci_rank", rank=None, value=None), "Giá trị", "a value or a rank"),
    (figure(kpi="par_index_rank", edition=None), "Kỳ (năm hoặc ngày)", "the edition"),
]


@pytest.fixture
def workbook(tmp_path):
    return write_workbook(
        tmp_path / "kehoach_04_2026.xlsx",
        GOOD_TARGETS + [b[0] for b in BAD_TARGETS],
        GOOD_FIGURES + [b[0] for b in BAD_FIGURES],
        province_code="04",
        on=date(2026, 1, 15),
    )


def test_template_has_the_contract_headers_notes_and_drop_downs(tmp_path):
    path = write_workbook(tmp_path / "blank.xlsx", province_code="04", on=date(2026, 1, 15))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:3] == ["Hướng dẫn", PLAN_TARGET_SHEET, PLAN_FIGURE_SHEET]
    for sheet, header in PLAN_HEADERS.items():
        assert [c.value for c in wb[sheet][1]] == [label for label, _ in header]
    lists = wb[PLAN_LISTS_SHEET]
    units = [r[1] for r in lists.iter_rows(min_row=2, values_only=True) if r[1]]
    assert units[0] == "04 – Tỉnh Cao Bằng" and len(units) > 40  # the province and its communes of 2026
    assert all(u.startswith(("04 ", "0")) for u in units)
    kpi_col = next(i for i, (_, f) in enumerate(PLAN_HEADERS[PLAN_TARGET_SHEET]) if f == "kpi")
    formulas = {dv.formula1: str(dv.sqref) for dv in wb[PLAN_TARGET_SHEET].data_validations.dataValidation}
    kpi_range = f"'{PLAN_LISTS_SHEET}'!$A$2:$A${len(reference.kpis()) + 1}"
    assert kpi_range in formulas
    assert [r[0] for r in lists.iter_rows(min_row=2, values_only=True) if r[0]] == [
        k.name_vi for k in reference.kpis().values()
    ]
    assert formulas[kpi_range].startswith(openpyxl.utils.get_column_letter(kpi_col + 1))
    # a blank template is a plan workbook with nothing in it
    parsed = sources.parse(path)
    assert parsed.format == "plans-xlsx" and parsed.rows_read == 0


def test_good_rows_load_and_every_kind_of_bad_row_is_rejected_with_a_clear_error(workbook):
    assert sources.detect(workbook) == "plans-xlsx"
    parsed = sources.parse(workbook)
    bad = len(BAD_TARGETS) + len(BAD_FIGURES)
    assert parsed.rows_read == len(GOOD_TARGETS) + len(GOOD_FIGURES) + bad
    assert parsed.rows_rejected == bad and parsed.rows_accepted == len(GOOD_TARGETS) + len(GOOD_FIGURES)
    by_row = {e.row: e for e in parsed.rejects}
    first_bad_target = len(GOOD_TARGETS) + 1
    first_bad_figure = len(GOOD_TARGETS) + len(BAD_TARGETS) + len(GOOD_FIGURES) + 1
    expected = [(first_bad_target + i, PLAN_TARGET_SHEET, b) for i, b in enumerate(BAD_TARGETS)]
    expected += [(first_bad_figure + i, PLAN_FIGURE_SHEET, b) for i, b in enumerate(BAD_FIGURES)]
    for n, sheet, (_, column, expects) in expected:
        e = by_row[n]
        assert e.column == f"{sheet}: {column}", (n, e)
        assert e.expected.startswith(expects), (n, e)
        sheet_row = n + 1 if sheet == PLAN_TARGET_SHEET else n - len(GOOD_TARGETS) - len(BAD_TARGETS) + 1
        assert e.message.startswith(f"sheet {sheet}, row {sheet_row}"), (n, e)
    assert len({e.expected.split(" ")[1] for e in parsed.rejects}) >= 10  # at least ten kinds of rule


def test_parsed_rows_carry_codes_units_and_documents(workbook):
    rows = sources.parse(workbook).tables["plan_item"].to_pylist()
    first, department, payment, commune, rank = rows[:5]
    assert first["kpi_code"] == "online_dossier_share" and first["unit_code"] == "04"
    assert first["unit_valid_from"] == date(2025, 7, 1) and first["province_code"] == "04"
    assert first["horizon_date"] == date(2026, 12, 31) and first["direction"] == "increase"
    assert first["document_date"] == date(2026, 1, 15) and first["is_verified"] is True
    assert department["unit_level"] == "department" and department["unit_code"] == "H14.07"
    assert department["unit_valid_from"] is None and department["province_code"] == "04"
    assert payment["baseline_value"] == 42.4 and payment["baseline_date"] == date(2025, 12, 31)
    assert commune["unit_level"] == "commune" and len(commune["unit_code"]) == 5
    assert rank["direction"] == "decrease" and rank["value"] == 15
    figures = [r for r in rows if r["sheet"] == "reported_figure"]
    assert figures[0]["rank"] == 20 and figures[0]["rank_out_of"] == 63 and figures[0]["value"] is None
    assert figures[0]["edition_year"] == 2024 and figures[0]["unit_code"] == "04"
    assert figures[1]["value"] == 84.5 and figures[1]["scale"] == "điểm/100"


def test_a_workbook_without_the_targets_sheet_is_refused(tmp_path):
    path = tmp_path / "kehoach_x.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.save(path)
    with pytest.raises(sources.ParseError, match="Chỉ tiêu"):
        sources.parse(path, "plans-xlsx")


# ------------------------------------------------------------------------------------------ the gate


def _gate(table, tmp_path):
    import pyarrow.parquet as pq
    from chiso.quality.gate import validate_parquet

    path = tmp_path / "plan_item.parquet"
    pq.write_table(table, path)
    outcome, _ = validate_parquet("plan_item", path, engine="duckdb")
    return outcome


def test_the_suite_passes_what_the_parser_kept_and_blocks_each_rule_broken_behind_its_back(
    workbook, tmp_path
):
    """The parser rejects bad rows one by one; the suite holds the table to the same rules, so a table that
    reached the gate otherwise (a parser bug, a hand-made Parquet) is quarantined with the rule it broke."""
    import pyarrow as pa

    table = sources.parse(workbook).tables["plan_item"]
    outcome = _gate(table, tmp_path)
    assert outcome["success"], [c for c in outcome["checks"] if not c["success"]]
    rows = table.to_pylist()
    breaks = {
        "KPIs: every code": lambda r: r.update(kpi_code="happiness_share"),
        "Units: the row's province": lambda r: r.update(province_code="99"),
        "Ranges: a target": lambda r: r.update(value=130.0),
        "A target has a horizon after": lambda r: r.update(baseline_date=date(2027, 6, 30)),
        "Legal basis": lambda r: r.update(issuing_body=None),
        "One row per KPI": lambda r: r.update(unit_code=rows[0]["unit_code"], unit_level="province"),
        "Traceability": lambda r: r.update(document_number=None),
    }
    for why, change in breaks.items():
        broken = [dict(r) for r in rows]
        change(broken[1])
        outcome = _gate(pa.Table.from_pylist(broken, schema=table.schema), tmp_path)
        failed = [c["why"] for c in outcome["checks"] if not c["success"] and c["severity"] == "error"]
        assert not outcome["success"] and any(w.startswith(why) for w in failed), (why, failed)


# ------------------------------------------------------------------------------------------ the sample


def test_the_sample_writes_a_plan_per_unit_that_loads_whole_with_sub_province_targets(tmp_path):
    from chiso_sample.generator import generate

    generate(
        tmp_path, provinces=4, start="2025-06", end="2025-07", dossiers_per_month=20, documents_per_month=5
    )
    workbooks = sorted((tmp_path / "plans").rglob("*.xlsx"))
    assert {p.parent.name for p in workbooks} == {"04", "06", "19", "40", "92", "93", "94"}
    levels, figures = set(), {}
    for path in workbooks:
        parsed = sources.parse(path)
        assert parsed.rows_rejected == 0, [e.describe(path.name) for e in parsed.rejects]
        for row in parsed.tables["plan_item"].to_pylist():
            if row["sheet"] == "target":
                levels.add(row["unit_level"])
            else:
                figures[(row["unit_code"], row["kpi_code"])] = row
    assert levels == {"province", "department", "commune"}
    # the seed articles' figures, as printed: Cần Thơ's DTI rank 5 of 63, Bắc Kạn's households with fibre 76,6%
    assert (figures[("92", "dti_rank")]["rank"], figures[("92", "dti_rank")]["rank_out_of"]) == (5, 63)
    assert figures[("92", "dti_rank")]["value"] is None
    assert figures[("06", "fibre_household_share")]["value"] == 76.6
    assert figures[("92", "par_plan_tasks_done_count")]["value"] == 68


def test_a_plan_loads_its_good_rows_whatever_the_share_of_bad_ones(workbook, chiso_data, monkeypatch):
    """The 5% reject share that quarantines a system export whole does not apply to a hand-filled plan: its
    rows are independent (CHISO_MAX_REJECT_SHARE_PLANS can set a limit)."""
    from chiso import settings
    from chiso.ingest import landing, parse
    from chiso.ingest.batch import Batch

    assert settings.max_reject_share("plans") == 1.0 and settings.max_reject_share("motcua") == 0.05
    target = settings.incoming_dir() / "plans" / workbook.name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(workbook.read_bytes())
    received, _ = landing.land(target, "plans")
    parsed = parse.parse_batch(Batch(landed=received))
    assert parsed.status == "parsed" and parsed.rows_rejected == len(BAD_TARGETS) + len(BAD_FIGURES)
    monkeypatch.setenv("CHISO_MAX_REJECT_SHARE_PLANS", "0.5")
    assert parse.parse_batch(Batch(landed=received)).status == "parse_failed"
