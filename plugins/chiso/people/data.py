"""Every query the people-facing outputs run, in one place, and the snapshot they are made from.

:func:`snapshot` opens the warehouse read-only once, reads what the report needs into memory and closes it:
rendering (charts, HTML, XLSX) holds no connection and no lock. The marts are read by name and column, with
``select *`` and a column check, so that a mart gaining columns (or the numerator and denominator of
``mart_units_behind`` arriving later) changes nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from chiso.warehouse import backend

Row = dict[str, Any]


@dataclass
class Province:
    code: str
    valid_from: date
    name: str
    #: kpi_code → monthly rows of the province's series, oldest first (KPIs with a target in some month)
    series: dict[str, list[Row]] = field(default_factory=dict)
    #: kpi_code → the latest row with a value (its status, projection, improvement needed)
    latest: dict[str, Row] = field(default_factory=dict)
    scorecard: list[Row] = field(default_factory=list)
    behind: list[Row] = field(default_factory=list)
    #: reported indices and figures (DTI, PAR Index, SIPAS…) of the province and its units, from the plans
    reported: list[Row] = field(default_factory=list)


@dataclass
class Snapshot:
    taken_at: datetime
    provinces: list[Province]
    kpis: list[Row]
    loads: list[Row]
    quarantined: list[Row]
    failing_checks: list[Row]
    freshness: list[Row]


def _rows(wh, sql: str, params=()) -> list[Row]:
    cur = wh.execute(sql, params)
    desc = getattr(cur, "description", None)
    rows = cur.fetchall()
    if desc is None:
        raise RuntimeError("the warehouse cursor does not describe its columns")
    cols = [d[0] for d in desc]
    return [dict(zip(cols, r)) for r in rows]


def _has(wh, schema: str, table: str) -> list[str]:
    return wh.columns_of(schema, table)


PROGRESS_SQL = """
    select * from marts.mart_kpi_progress
    where period_type = 'month' and unit_level = 'province' and unit_valid_to is null
    order by unit_name, unit_code, kpi_code, period_start
"""

# the province's own 766 groups (the capture's root) in its latest period; rank among peers of the same level
SCORECARD_SQL = """
    select s.* from marts.mart_766_scorecard s
    join (
        select unit_code, max(period_start) as period_start from marts.mart_766_scorecard
        where is_root group by unit_code
    ) latest using (unit_code, period_start)
    where s.is_root
    order by s.unit_code, s.group_code
"""

BEHIND_SQL = """
    select * from marts.mart_units_behind where period_type = 'month'
    order by severity_rank
"""

# numerator and denominator of a behind unit's latest period, for a mart_units_behind without them
BEHIND_COUNTS_SQL = """
    select p.unit_code, p.unit_valid_from, p.kpi_code, p.period_start, p.numerator, p.denominator
    from marts.mart_kpi_progress p
    join (select distinct unit_code, unit_valid_from, kpi_code, period_start
          from marts.mart_units_behind where period_type = 'month') b
      using (unit_code, unit_valid_from, kpi_code, period_start)
    where p.period_type = 'month'
"""

# the externally reported figures of the plan workbooks, newest edition first within each KPI and unit
REPORTED_SQL = """
    select * from marts.mart_reported_figures
    order by province_code, unit_level, unit_name, unit_code, kpi_name_vi, edition_year desc, as_of_date desc
"""

LOADS_SQL = """
    select source_system,
           max(loaded_at) as last_loaded_at,
           max(period_end) filter (where status = 'loaded') as newest_period_end,
           count(*) filter (where status = 'loaded') as files_loaded,
           count(*) filter (where status = 'quarantined') as files_quarantined,
           count(*) filter (where status = 'superseded') as files_superseded,
           sum(rows_loaded) filter (where status = 'loaded') as rows_loaded
    from raw.landing_manifest group by source_system order by source_system
"""

QUARANTINED_SQL = """
    select source_system, file_name, received_at, rows_read, error
    from raw.landing_manifest where status = 'quarantined'
    order by received_at desc, file_name
"""

# failed expectations of each dataset's latest validation of each file, grouped by what failed
FAILING_SQL = """
    select r.dataset, r.expectation, r.column_name, r.severity,
           count(*) as runs, max(u.validated_at) as last_seen, max(r.why) as why
    from raw.dq_result r join raw.dq_run u using (run_id)
    where not r.success and r.dataset <> 'freshness'
    group by r.dataset, r.expectation, r.column_name, r.severity
    order by case r.severity when 'error' then 0 else 1 end, runs desc, r.dataset, r.expectation
"""

FRESHNESS_SQL = """
    select u.source_system, u.period_end, u.validated_at, u.success
    from raw.dq_run u
    join (select source_system, max(validated_at) as validated_at from raw.dq_run
          where dataset = 'freshness' group by source_system) latest using (source_system, validated_at)
    where u.dataset = 'freshness'
    order by u.source_system
"""


# each current unit's latest month with a value and a target, per KPI: the status notices compare
LATEST_STATUS_SQL = """
    select * from (
        select p.*, row_number() over (
            partition by unit_code, unit_valid_from, kpi_code order by period_start desc) as recency
        from marts.mart_kpi_progress p
        where period_type = 'month' and unit_valid_to is null and target_id is not null and actual is not null
    ) latest
    where recency = 1
    order by unit_code, kpi_code
"""


def latest_statuses(wh) -> list[Row]:
    """Each current unit's status per KPI with a target, in its latest month with a value."""
    return _rows(wh, LATEST_STATUS_SQL)


def snapshot(path=None) -> Snapshot:
    """Read everything the report shows, in one read-only connection, closed before returning."""
    with backend.connect(read_only=True, path=path) as wh:
        progress = _rows(wh, PROGRESS_SQL)
        scorecard = _rows(wh, SCORECARD_SQL) if _has(wh, "marts", "mart_766_scorecard") else []
        behind = _rows(wh, BEHIND_SQL) if _has(wh, "marts", "mart_units_behind") else []
        reported = _rows(wh, REPORTED_SQL) if _has(wh, "marts", "mart_reported_figures") else []
        if behind and "numerator" not in behind[0]:
            counts = {
                (r["unit_code"], r["unit_valid_from"], r["kpi_code"], r["period_start"]): r
                for r in _rows(wh, BEHIND_COUNTS_SQL)
            }
            for r in behind:
                c = counts.get((r["unit_code"], r["unit_valid_from"], r["kpi_code"], r["period_start"]), {})
                r["numerator"], r["denominator"] = c.get("numerator"), c.get("denominator")
        loads = _rows(wh, LOADS_SQL) if _has(wh, "raw", "landing_manifest") else []
        quarantined = _rows(wh, QUARANTINED_SQL) if loads else []
        has_dq = _has(wh, "raw", "dq_run") and _has(wh, "raw", "dq_result")
        failing = _rows(wh, FAILING_SQL) if has_dq else []
        fresh = _rows(wh, FRESHNESS_SQL) if has_dq else []
    return Snapshot(
        taken_at=datetime.now(),
        provinces=_provinces(progress, scorecard, behind, reported),
        kpis=_kpis(progress),
        loads=loads,
        quarantined=quarantined,
        failing_checks=failing,
        freshness=fresh,
    )


def _kpis(progress: list[Row]) -> list[Row]:
    seen: dict[str, Row] = {}
    for r in progress:
        seen.setdefault(
            r["kpi_code"], {k: r.get(k) for k in ("kpi_code", "kpi_name_vi", "kpi_unit", "direction")}
        )
    return sorted(seen.values(), key=lambda k: k["kpi_name_vi"] or k["kpi_code"])


def _provinces(progress: list[Row], scorecard: list[Row], behind: list[Row], reported: list[Row]) -> list[Province]:
    out: dict[str, Province] = {}
    for r in progress:
        p = out.setdefault(r["unit_code"], Province(r["unit_code"], r["unit_valid_from"], r["unit_name"]))
        p.series.setdefault(r["kpi_code"], []).append(r)
    for p in out.values():
        for kpi, rows in list(p.series.items()):
            if not any(r.get("target_id") for r in rows):
                del p.series[kpi]  # a KPI without any target has no path to show
                continue
            with_value = [r for r in rows if r.get("actual") is not None and r.get("target_id")]
            if with_value:
                p.latest[kpi] = with_value[-1]
        p.scorecard = [r for r in scorecard if r.get("unit_code") == p.code]
        p.behind = [
            r for r in behind
            if r.get("unit_code") == p.code or r.get("parent_unit_code") == p.code
        ]  # fmt: skip
        p.reported = [r for r in reported if r.get("province_code") == p.code]
    return sorted(out.values(), key=lambda p: p.name)
