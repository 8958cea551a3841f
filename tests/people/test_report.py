"""The static report on the default sample's warehouse: pages, figures, formats, workbook, no lock held."""

from __future__ import annotations

import re
from datetime import date

import duckdb
import pytest
from chiso.people import charts, data, html_report, vi
from openpyxl import load_workbook


def _q(path, sql: str):
    con = duckdb.connect(str(path), read_only=True)
    try:
        cur = con.execute(sql)
        names = [c[0] for c in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]
    finally:
        con.close()


def _vn_percent(value: float) -> str:
    """72.58 → 72,58% written out by hand (not through Babel), to check the report against."""
    whole, frac = f"{value:.2f}".split(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return ".".join([whole, *groups]) + "," + frac + "%"


@pytest.mark.parametrize(("fn", "value", "expected"), [
    (vi.percent, 72.58, "72,58%"), (vi.percent, 100, "100,00%"), (vi.number, 1497, "1.497"),
    (vi.number, 1234567, "1.234.567"), (vi.month, date(2025, 10, 1), "Tháng 10/2025"),
    (vi.percent, None, "—"), (vi.number, 0, "0"),
])  # fmt: skip
def test_vietnamese_formats(fn, value, expected):
    assert fn(value) == expected


def test_by_hand_formatter_agrees_with_babel():
    for v in (0.0, 5.5, 72.58, 99.99, 1234.5):
        assert vi.percent(v) == _vn_percent(v)


@pytest.fixture(scope="module")
def report(sample_warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    index = html_report.write(out, data.snapshot(sample_warehouse))
    return out, index


def test_one_page_per_current_province_with_a_chart_per_kpi_with_target(sample_warehouse, report):
    out, index = report
    expected = _q(sample_warehouse, """
        select unit_code, unit_name, list(distinct kpi_code order by kpi_code) as kpis
        from marts.mart_kpi_progress
        where unit_level = 'province' and period_type = 'month' and unit_valid_to is null
          and target_id is not null
        group by all
    """)  # fmt: skip
    assert len(expected) >= 2
    pages = sorted(p.name for p in out.glob("tinh-*.html"))
    assert pages == sorted(f"tinh-{r['unit_code']}.html" for r in expected)
    overview = index.read_text(encoding="utf-8")
    for r in expected:
        page = (out / f"tinh-{r['unit_code']}.html").read_text(encoding="utf-8")
        figures = re.findall(r'<figure class="chart" data-kpi="([^"]+)" data-province="([^"]+)"><svg ', page)
        assert sorted(k for k, _ in figures) == r["kpis"]
        assert {p for _, p in figures} == {r["unit_code"]}
        assert f'href="tinh-{r["unit_code"]}.html"' in overview and r["unit_name"] in overview


def test_latest_values_are_shown_the_vietnamese_way(sample_warehouse, report):
    out, _ = report
    rows = _q(sample_warehouse, """
        select unit_code, kpi_code, actual, numerator, denominator, status, period_start from (
            select *, row_number() over (partition by unit_code, kpi_code order by period_start desc) as n
            from marts.mart_kpi_progress
            where unit_level = 'province' and period_type = 'month' and unit_valid_to is null
              and target_id is not null and actual is not null)
        where n = 1
    """)  # fmt: skip
    assert rows
    for r in rows:
        page = (out / f"tinh-{r['unit_code']}.html").read_text(encoding="utf-8")
        section = page.split(f'<section class="kpi" data-kpi="{r["kpi_code"]}">', 1)[1].split(
            "</section>", 1
        )[0]
        assert _vn_percent(r["actual"]) in section
        assert f"Tháng {r['period_start'].month}/{r['period_start'].year}" in section
        assert f'data-status="{r["status"]}"' in section and vi.STATUS_VI[r["status"]] in section


def test_units_behind_worst_first_with_counts(sample_warehouse, report):
    out, _ = report
    behind = _q(sample_warehouse, """
        select b.unit_code, b.parent_unit_code, b.severity_rank, b.unit_name, p.numerator, p.denominator
        from marts.mart_units_behind b join marts.mart_kpi_progress p
          using (unit_code, unit_valid_from, kpi_code, period_type, period_start)
        where b.period_type = 'month' order by b.severity_rank
    """)  # fmt: skip
    assert behind, "the sample should have units behind their target"
    province = behind[0]["parent_unit_code"] or behind[0]["unit_code"]
    page = (out / f"tinh-{province}.html").read_text(encoding="utf-8")
    table = page.split('<table id="don_vi_cham">', 1)[1].split("</table>", 1)[0]
    shown = [int(x.replace(".", "")) for x in re.findall(r'<tr><td class="num">([\d.]+)</td>', table)]
    mine = [r for r in behind if (r["parent_unit_code"] or r["unit_code"]) == province]
    assert shown == [r["severity_rank"] for r in mine] and shown == sorted(shown)
    first = re.findall(r"<td[^>]*>([^<]*)</td>", table.split("</tr>", 2)[1])
    assert vi.number(mine[0]["numerator"]) in first and vi.number(mine[0]["denominator"]) in first


def test_reported_figures_are_shown_on_their_province_page(sample_warehouse, report):
    """The indices a plan workbook reports (DTI, PAR Index, SIPAS…) appear with their value, rank and source."""
    out, _ = report
    figures = _q(sample_warehouse, """
        select f.* from marts.mart_reported_figures f
        join marts.dim_admin_unit u on u.unit_code = f.province_code and u.unit_valid_to is null
        where u.unit_level = 'province'
    """)
    assert figures, "the sample's plan workbooks report figures"
    by_province: dict[str, list[dict]] = {}
    for f in figures:
        by_province.setdefault(f["province_code"], []).append(f)
    for code, rows in by_province.items():
        page = (out / f"tinh-{code}.html").read_text(encoding="utf-8")
        table = page.split('<table id="so_lieu_bao_cao">', 1)[1].split("</table>", 1)[0]
        assert table.count("<tr>") - 1 == len(rows), code
        for f in rows:
            assert f["kpi_name_vi"] in table and f["source_document"] in table
            if f["rank"] is not None and f["rank_out_of"] is not None:
                assert f"{f['rank']}/{f['rank_out_of']}" in table
            if f["value"] is not None:
                assert vi.number(f["value"], 2) in table


def test_pages_are_self_contained(report):
    out, _ = report
    for page in out.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert '<html lang="vi">' in text
        assert "<script" not in text and "<link" not in text and "@import" not in text
        assert not re.search(r'(src|href)="(https?:)?//', text), page.name
        assert "@page { size: A4" in text


def test_workbook_holds_the_same_tables(report):
    out, _ = report
    wb = load_workbook(out / html_report.WORKBOOK, read_only=True)
    pages = {p.name: p.read_text(encoding="utf-8") for p in out.glob("tinh-*.html")}
    for key in ("tien_do", "cham_766", "don_vi_cham", "so_lieu_bao_cao"):
        html_rows = sum(
            page.split(f'<table id="{key}">', 1)[1].split("</table>", 1)[0].count("<tr>") - 1
            for page in pages.values() if f'<table id="{key}">' in page
        )  # fmt: skip
        xlsx_rows = sum(1 for _ in wb[key].iter_rows(min_row=2))
        assert xlsx_rows == html_rows and xlsx_rows > 0, key


def test_workbook_writes_formula_like_names_as_text(sample_warehouse, tmp_path):
    """A unit name from an export that starts like a formula stays text in the workbook (not a live formula)."""
    snap = data.snapshot(sample_warehouse)
    hostile = '=HYPERLINK("http://example.invalid","Sở Nội vụ")'
    snap.provinces[0].name = hostile
    html_report.write_workbook(snap, tmp_path / "r.xlsx")
    ws = load_workbook(tmp_path / "r.xlsx")["tien_do"]
    names = {row[0].value for row in ws.iter_rows(min_row=2)}
    assert "'" + hostile in names and hostile not in names
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
    numbers = [c.value for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, (int, float))]
    assert numbers  # figures stay numbers


def test_rendering_holds_no_connection(sample_warehouse, tmp_path, monkeypatch):
    """While the charts are drawn, another process's writer can open the warehouse."""
    render, opened = charts.render_svg, []

    def render_and_write(spec, description):
        con = duckdb.connect(str(sample_warehouse))  # a writer: fails while any connection is open elsewhere
        con.close()
        opened.append(description)
        return render(spec, description)

    monkeypatch.setenv("CHISO_WAREHOUSE", str(sample_warehouse))
    monkeypatch.setattr(charts, "render_svg", render_and_write)
    html_report.write(tmp_path)  # takes its own snapshot
    assert opened
