"""The report's charts: Vega-Lite (altair) rendered to SVG text by vl-convert, so the page fetches nothing.

One chart per province and KPI with a target: the monthly actual against the straight path to the target and
the target itself, with the projection at the horizon. Colours are Okabe–Ito and each line also differs by its
dash and marker, so the chart reads without colour.
"""

from __future__ import annotations

import html
from datetime import date

from chiso.people import vi

SERIES = {  # name → (colour, dash)
    "Thực hiện": ("#0072B2", [1, 0]),
    "Lộ trình": ("#000000", [6, 3]),
    "Mục tiêu": ("#D55E00", [2, 2]),
    "Dự báo": ("#009E73", [1, 0]),
}


def _points(rows: list[dict], latest: dict | None) -> list[dict]:
    out = []
    for r in rows:
        month = r["period_start"].isoformat()
        # the path and the target are drawn per target (a new target starts a new segment, not a jump)
        segment = r.get("target_id") or ""
        for name, value, seg in (("Thực hiện", r.get("actual"), ""), ("Lộ trình", r.get("expected_on_path"), segment),
                                 ("Mục tiêu", r.get("target_value"), segment)):  # fmt: skip
            if value is not None:
                out.append({"thang": month, "gia_tri": float(value), "chuoi": name, "doan": seg})
    if latest and latest.get("projected_at_horizon") is not None and latest.get("target_horizon_date"):
        horizon: date = latest["target_horizon_date"]
        horizon = horizon.date() if hasattr(horizon, "date") else horizon
        for when, value in (
            (latest["period_start"], latest["actual"]),
            (horizon, latest["projected_at_horizon"]),
        ):
            out.append({"thang": when.isoformat(), "gia_tri": float(value), "chuoi": "Dự báo", "doan": ""})
    return out


def kpi_spec(rows: list[dict], latest: dict | None, title: str) -> dict:
    """The Vega-Lite spec of one KPI's chart."""
    import altair as alt

    names = [n for n in SERIES if any(p["chuoi"] == n for p in _points(rows, latest))]
    data = alt.Data(values=_points(rows, latest))
    base = alt.Chart(data).encode(
        x=alt.X("thang:T", title="Tháng", axis=alt.Axis(format="%m/%Y", labelAngle=0, tickCount=6)),
        y=alt.Y("gia_tri:Q", title="%", scale=alt.Scale(domain=[0, 100]), axis=alt.Axis(format=",.0f")),
        color=alt.Color(
            "chuoi:N", title=None,
            scale=alt.Scale(domain=names, range=[SERIES[n][0] for n in names]),
            legend=alt.Legend(orient="bottom"),
        ),
        strokeDash=alt.StrokeDash(
            "chuoi:N", scale=alt.Scale(domain=names, range=[SERIES[n][1] for n in names]), legend=None
        ),
        detail="doan:N",
        tooltip=[alt.Tooltip("thang:T", format="%m/%Y"), alt.Tooltip("gia_tri:Q", format=",.2f")],
    )  # fmt: skip
    chart = (
        base.mark_line(strokeWidth=2)
        + base.transform_filter(alt.datum.chuoi == "Thực hiện").mark_point(filled=True, size=18)
    ).properties(title=title, width=520, height=220)
    return chart.to_dict()


def render_svg(spec: dict, description: str) -> str:
    """The chart as inline SVG text, labelled for screen readers."""
    import vl_convert

    svg = vl_convert.vegalite_to_svg(spec, format_locale=vi.D3_FORMAT_LOCALE, allowed_base_urls=[])
    label = html.escape(description, quote=True)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
