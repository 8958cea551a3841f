"""The report in a real browser (headless Chromium over the DevTools protocol): every chart drawn, Vietnamese
labels, no console error, no network request; screenshots and an A4 PDF are saved."""

from __future__ import annotations

import json
import re

import duckdb
import pytest
from chiso.people import data, html_report
from chromium import chromium

CHARTS_JS = """JSON.stringify([...document.querySelectorAll('figure.chart')].map(f => {
  const svg = f.querySelector('svg');
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  const lines = svg ? [...svg.querySelectorAll('g.mark-line.role-mark path')] : [];
  const drawn = lines.filter(p => { const b = p.getBBox(); return b.width > 20 && p.getAttribute('d'); });
  const points = svg ? svg.querySelectorAll('g.mark-symbol.role-mark path').length : 0;
  const axis = svg ? [...svg.querySelectorAll('.role-axis-title text, .role-axis text')].map(t => t.textContent) : [];
  const legend = svg ? [...svg.querySelectorAll('.role-legend text')].map(t => t.textContent) : [];
  return {kpi: f.dataset.kpi, province: f.dataset.province, role: svg && svg.getAttribute('role'),
          width: box.width, height: box.height, lines: drawn.length, points, axis, legend};
}))"""


@pytest.fixture(scope="module")
def report(sample_warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("browser-report")
    html_report.write(out, data.snapshot(sample_warehouse))
    return out


def _months_with_values(warehouse) -> dict[tuple[str, str], int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute("""
            select unit_code, kpi_code, count(actual) from marts.mart_kpi_progress
            where unit_level = 'province' and period_type = 'month' and unit_valid_to is null
            group by all having count(target_id) > 0
        """).fetchall()  # fmt: skip
    finally:
        con.close()
    return {(u, k): n for u, k, n in rows}


def test_every_chart_renders_in_chromium(sample_warehouse, report, tmp_path):
    expected = _months_with_values(sample_warehouse)
    pages = sorted(report.glob("tinh-*.html"))
    assert pages
    seen = set()
    with chromium() as browser:
        for page_path in [report / html_report.INDEX, *pages]:
            page = browser.open(page_path.as_uri())
            assert page.evaluate("document.documentElement.lang") == "vi"
            figures = json.loads(page.evaluate(CHARTS_JS))
            for f in figures:
                seen.add((f["province"], f["kpi"]))
                assert f["role"] == "img" and f["width"] > 300 and f["height"] > 150, f
                assert f["lines"] >= 2, f  # the actual and at least the path or the target
                assert f["points"] == expected[(f["province"], f["kpi"])], (
                    f
                )  # one marker per month with a value
                assert "Tháng" in f["axis"] and "Thực hiện" in f["legend"], f
            text = page.evaluate("document.body.innerText")
            if page_path.name != html_report.INDEX:
                assert figures and "Chỉ tiêu có mục tiêu" in text
                assert re.search(r"\d,\d{2}%", text) and not re.search(r"\d\.\d{2}%", text)
            log = page.log()
            assert log.console_errors == [], (page_path.name, log.console_errors)
            assert log.requests == [page_path.as_uri()], (page_path.name, log.requests)
            shot = page.screenshot(tmp_path / f"{page_path.stem}.png")
            assert shot.stat().st_size > 20_000
        pdf = browser.open(pages[0].as_uri()).pdf(tmp_path / "print.pdf")
        assert pdf.read_bytes().startswith(b"%PDF") and pdf.read_bytes().count(b"/Type /Page") >= 2
    assert seen == set(expected), "a chart for every seed province's KPIs with a target"
    print(f"screenshots and print.pdf in {tmp_path}")
