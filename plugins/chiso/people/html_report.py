"""The static Vietnamese report: an overview page, one page per province and the same tables as XLSX.

Every page is self-contained (styles inline, charts as inline SVG, no script, nothing fetched), opens from a
file or an intranet share and prints on A4. The data come from one read-only snapshot of the warehouse
(:func:`chiso.people.data.snapshot`); nothing here holds a connection.
"""

from __future__ import annotations

import html
from pathlib import Path

from chiso.people import charts, tables, vi
from chiso.people.data import Province, Snapshot
from chiso.util.files import write_whole
from chiso.util.spreadsheet import neutralise_row

INDEX = "index.html"
WORKBOOK = "bao-cao-chiso.xlsx"
TITLE = "Báo cáo tiến độ thực hiện chỉ tiêu cải cách hành chính và chuyển đổi số"

CSS = """
:root { --ink: #1a1a1a; --muted: #555; --rule: #ccc; --head: #eef2f6; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans", "DejaVu Sans", Arial, sans-serif; color: var(--ink); margin: 0 auto;
       max-width: 1100px; padding: 1rem 1.5rem; line-height: 1.4; font-size: 14px; }
h1 { font-size: 1.5rem; margin: .2rem 0 .5rem; } h2 { font-size: 1.2rem; margin-top: 1.6rem;
       border-bottom: 2px solid var(--ink); } h3 { font-size: 1.05rem; margin: 1.2rem 0 .3rem; }
a { color: #0b5394; } .meta { color: var(--muted); font-size: .9rem; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; font-size: .85rem; }
th, td { border: 1px solid var(--rule); padding: .25rem .4rem; vertical-align: top; text-align: left; }
th { background: var(--head); } td.num { text-align: right; white-space: nowrap; }
.status { display: inline-block; padding: 0 .45rem; border-radius: .6rem; color: #111; font-weight: 600;
          white-space: nowrap; border: 1px solid #333; }
section.kpi { break-inside: avoid; page-break-inside: avoid; border-top: 1px solid var(--rule); }
figure { margin: .3rem 0; } figure svg { max-width: 100%; height: auto; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: .3rem 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
nav { font-size: .9rem; margin-bottom: .5rem; } .empty { color: var(--muted); font-style: italic; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; } nav { display: none; }
  a { color: inherit; text-decoration: none; } h2 { break-after: avoid; page-break-after: avoid; }
  table { font-size: 8.5pt; } tr { break-inside: avoid; page-break-inside: avoid; }
  .province { break-before: page; page-break-before: always; }
}
"""

NUMERIC = {"number", "decimal", "percent", "points", "signed"}


def province_file(p: Province) -> str:
    return f"tinh-{p.code}.html"


def _e(text) -> str:
    return html.escape("" if text is None else str(text))


def status_chip(code: str | None) -> str:
    colour = vi.STATUS_COLOUR.get(code or "", "#ffffff")
    return f'<span class="status" data-status="{_e(code)}" style="background:{colour}">{_e(vi.status_name(code))}</span>'


def render_table(t: tables.Table) -> str:
    if not t.rows:
        return f'<h3>{_e(t.title)}</h3><p class="empty" id="{t.key}">Không có.</p>'
    head = "".join(f'<th scope="col">{_e(c.header)}</th>' for c in t.cols)
    body = []
    for r in t.rows:
        cells = []
        for c in t.cols:
            value = c.get(r)
            if c.kind == "status":
                cells.append(f"<td>{status_chip(value)}</td>")
            else:
                css = ' class="num"' if c.kind in NUMERIC else ""
                cells.append(f"<td{css}>{_e(tables.fmt(value, c.kind))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<h3>{_e(t.title)}</h3><table id="{t.key}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")  # fmt: skip


def _page(title: str, body: str, snap: Snapshot) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        'img-src data:">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
        f'{body}<footer class="meta"><p>Lập lúc {_e(vi.moment(snap.taken_at))} từ kho dữ liệu chiso '
        f"(đọc, không ghi).</p></footer></body></html>\n"
    )


def _kpi_section(p: Province, kpi: str) -> str:
    rows, latest = p.series[kpi], p.latest.get(kpi)
    name = rows[0].get("kpi_name_vi") or kpi
    title = f"{name} — {p.name}"
    spec = charts.kpi_spec(rows, latest, title)
    desc = f"Biểu đồ {name} của {p.name} theo tháng: thực hiện, lộ trình và mục tiêu"
    svg = charts.render_svg(spec, desc)
    facts = ""
    if latest:
        items = [
            ("Kỳ gần nhất", vi.period(latest["period_start"], "month")),
            ("Thực hiện", f"{vi.percent(latest.get('actual'))} ({vi.number(latest.get('numerator'))}"
                          f"/{vi.number(latest.get('denominator'))})"),
            ("Mục tiêu", f"{tables.target_text(latest) or vi.DASH}, thời hạn {vi.day(latest.get('target_horizon_date'))}"),
            ("Theo lộ trình", vi.percent(latest.get("expected_on_path"))),
            ("Trạng thái", None),
            ("Dự báo tại thời hạn", vi.percent(latest.get("projected_at_horizon"))),
            ("Cần cải thiện mỗi tháng", vi.points(latest.get("monthly_improvement_needed"))),
            ("Căn cứ pháp lý", (tables.legal_basis(latest) or vi.DASH)
             + (f" ({latest['target_confidence']})" if latest.get("target_confidence") else "")),
        ]  # fmt: skip
        facts = (
            '<dl class="facts">'
            + "".join(
                f"<dt>{_e(k)}</dt><dd>{status_chip(latest.get('status')) if v is None else _e(v)}</dd>"
                for k, v in items
            )
            + "</dl>"
        )
    else:
        facts = '<p class="empty">Chưa có số liệu trong kỳ có mục tiêu.</p>'
    return (f'<section class="kpi" data-kpi="{_e(kpi)}"><h3>{_e(name)}</h3>'
            f'<figure class="chart" data-kpi="{_e(kpi)}" data-province="{_e(p.code)}">{svg}'
            f"<figcaption class=\"meta\">{_e(desc)}.</figcaption></figure>{facts}</section>")  # fmt: skip


def province_page(p: Province, snap: Snapshot) -> str:
    kpis = sorted(p.series, key=lambda k: p.series[k][0].get("kpi_name_vi") or k)
    body = [f'<nav><a href="{INDEX}">← Tổng quan</a></nav><main class="province" data-province="{_e(p.code)}">',
            f"<h1>{_e(p.name)}</h1><p class=\"meta\">{_e(TITLE)}</p>",
            "<h2>Chỉ tiêu có mục tiêu</h2>"]  # fmt: skip
    body += [_kpi_section(p, k) for k in kpis] or ['<p class="empty">Không có chỉ tiêu có mục tiêu.</p>']
    body.append("<h2>Bảng số liệu</h2>")
    body += [render_table(t) for t in tables.province_tables(p)]
    body.append("</main>")
    return _page(f"{p.name} — {TITLE}", "".join(body), snap)


def overview_page(snap: Snapshot) -> str:
    kpis = [k for k in snap.kpis if any(k["kpi_code"] in p.series for p in snap.provinces)]
    head = "".join(f'<th scope="col">{_e(k["kpi_name_vi"])}</th>' for k in kpis)
    rows = []
    for p in snap.provinces:
        cells = []
        for k in kpis:
            latest = p.latest.get(k["kpi_code"])
            cells.append("<td>" + (f"{status_chip(latest.get('status'))}<br>{_e(vi.percent(latest.get('actual')))}"
                                   f" <span class=\"meta\">({_e(vi.month(latest['period_start']))})</span>"
                                   if latest else vi.DASH) + "</td>")  # fmt: skip
        off = sum(1 for r in p.behind if r.get("status") == "off_track")
        risk = sum(1 for r in p.behind if r.get("status") == "at_risk")
        rows.append(f'<tr data-province="{_e(p.code)}"><th scope="row"><a href="{province_file(p)}">{_e(p.name)}</a>'
                    f'</th>{"".join(cells)}<td class="num">{vi.number(off)}</td><td class="num">{vi.number(risk)}'
                    "</td></tr>")  # fmt: skip
    legend = " ".join(status_chip(s) for s in vi.STATUS_ORDER)
    body = [
        f"<h1>{_e(TITLE)}</h1>",
        f'<p class="meta">Tổng quan các tỉnh, thành phố. Chú giải trạng thái: {legend}</p>',
        "<h2>Tình trạng theo tỉnh (tháng gần nhất có số liệu)</h2>",
        f'<table id="tong_quan"><thead><tr><th scope="col">Tỉnh, thành phố</th>{head}'
        '<th scope="col">Đơn vị chậm tiến độ</th><th scope="col">Đơn vị có nguy cơ</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>",
        "<h2>Báo cáo từng tỉnh</h2><ul>"
        + "".join(f'<li><a href="{province_file(p)}">{_e(p.name)}</a></li>' for p in snap.provinces)
        + f'</ul><p><a href="{WORKBOOK}">Bảng số liệu (XLSX)</a></p>',
        "<h2>Sức khỏe dữ liệu</h2>",
    ]
    body += [render_table(t) for t in tables.health_tables(snap)]
    return _page(TITLE, "".join(body), snap)


def write_workbook(snap: Snapshot, path: Path) -> None:
    """The same tables as the pages: one sheet per table, values (not text) with Vietnamese-readable formats;
    text that a spreadsheet program would run as a formula is kept as text (util/spreadsheet)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    number_format = {
        "number": "#,##0",
        "decimal": "#,##0.00",
        "percent": '0.00"%"',
        "points": "+0.00;-0.00",
        "signed": "+0.00;-0.00",
        "month": "mm/yyyy",
        "day": "dd/mm/yyyy",
        "moment": "dd/mm/yyyy hh:mm",
    }
    wb = Workbook()
    wb.remove(wb.active)
    groups: dict[str, tuple[tables.Table, list[tuple[str, dict]]]] = {}
    for p in snap.provinces:
        for t in tables.province_tables(p):
            groups.setdefault(t.key, (t, []))[1].extend((p.name, r) for r in t.rows)
    for t in tables.health_tables(snap):
        groups[t.key] = (t, [(None, r) for r in t.rows])
    for key, (t, rows) in groups.items():
        ws = wb.create_sheet(key[:31])
        with_province = any(name is not None for name, _ in rows) or key in (
            "tien_do",
            "cham_766",
            "don_vi_cham",
            "so_lieu_bao_cao",
        )
        headers = (["Tỉnh, thành phố"] if with_province else []) + [c.header for c in t.cols]
        ws.append(headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for name, r in rows:
            values = []
            for c in t.cols:
                v = c.get(r)
                if c.kind == "status":
                    v = vi.status_name(v)
                elif hasattr(v, "tzinfo") and getattr(v, "tzinfo", None) is not None:
                    v = v.replace(tzinfo=None)
                values.append(v)
            # names and texts come from the exports: formula-like text is written as text
            ws.append(neutralise_row(([name] if with_province else []) + values))
        offset = 1 if with_province else 0
        for i, c in enumerate(t.cols, start=1 + offset):
            if c.kind in number_format:
                for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.number_format = number_format[c.kind]
        ws.freeze_panes = "A2"
    wb.save(path)


def _write(path: Path, text: str) -> None:
    """Whole, so a reader of the share never sees half a page; readable by all (the report is read from a share)."""
    write_whole(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), 0o644)


def write(out_dir: str | Path, snap: Snapshot | None = None) -> Path:
    """Write the report into ``out_dir`` (created if missing); returns the overview page's path."""
    from chiso.people import data

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    snap = snap or data.snapshot()
    for p in snap.provinces:
        _write(out / province_file(p), province_page(p, snap))
    write_whole(out / WORKBOOK, lambda tmp: write_workbook(snap, tmp), 0o644)
    _write(out / INDEX, overview_page(snap))
    return out / INDEX
