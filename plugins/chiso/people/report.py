"""The progress-versus-target table printed at the end of ``make run`` (and by ``chiso report``)."""

from __future__ import annotations

from chiso.people import vi
from chiso.warehouse import backend


def period_label(row: dict) -> str:
    complete = False if row.get("is_period_complete") is False and row.get("period_end") else None
    return vi.period(row.get("period_start"), row.get("period_type"), complete)


def latest_rows(period_type: str = "year", limit_periods: int = 2) -> list[dict]:
    """Current provinces × KPIs for the latest ``period_type`` periods in the mart."""
    with backend.connect(read_only=True) as wh:
        cols = wh.columns_of("marts", "mart_kpi_progress")
        sql = f"""
            with latest as (
                select distinct period_start from marts.mart_kpi_progress
                where period_type = ? order by period_start desc limit {int(limit_periods)}
            )
            select m.* from marts.mart_kpi_progress m join latest using (period_start)
            where m.period_type = ? and m.unit_valid_to is null
                -- provinces only: the units below them (communes, departments) are in the same mart
                and coalesce(m.unit_level, 'province') = 'province'
            order by m.unit_name, m.kpi_code, m.period_start desc
        """
        rows = wh.execute(sql, [period_type, period_type]).fetchall()
    return [dict(zip(cols, r)) for r in rows]


def _fmt(value, unit: str | None) -> str:
    if unit == "percent":
        return vi.percent(value, 1)
    return vi.number(value, 1)


def _table(rows: list[dict]):
    from rich.table import Table

    table = Table(title="Tiến độ so với chỉ tiêu — progress versus target", show_lines=False)
    for header, justify in [
        ("Đơn vị", "left"),
        ("Chỉ số", "left"),
        ("ĐVT", "center"),
        ("Kỳ", "left"),
        ("Thực hiện", "right"),
        ("Chỉ tiêu", "right"),
        ("Năm CT", "right"),
        ("Trạng thái", "left"),
    ]:
        table.add_column(header, justify=justify)
    for r in rows:
        table.add_row(
            r.get("unit_name") or "",
            r.get("kpi_name_vi") or r.get("kpi_code") or "",
            vi.UNIT_LABEL.get(r.get("kpi_unit"), r.get("kpi_unit") or ""),
            period_label(r),
            _fmt(r.get("actual"), r.get("kpi_unit")),
            _fmt(r.get("target_value"), r.get("kpi_unit")),
            str(r.get("target_year") or "—"),
            vi.status_name(r.get("status")),
        )
    return table


def render_text(period_type: str = "year", width: int = 150) -> str:
    import io

    from rich.console import Console

    console = Console(width=width, record=True, file=io.StringIO())
    console.print(_table(latest_rows(period_type)))
    return console.export_text()


def print_report(period_type: str = "year") -> None:
    from rich.console import Console

    Console(width=160).print(_table(latest_rows(period_type)))
