"""The dossier KPIs per province (unit series) x month in one SQL statement, for DuckDB and SQLite.

The same definitions as dbt's ``int_dossier_current`` + ``int_kpi_dossier_measures`` (month rows): a
dossier's latest export row is its state; it belongs to the province whose agency prefix matches its agency
on the day it was received; a successor province's series adds its whole predecessors' dossiers; online
share, online payment and digitised share count dossiers received in the month, on-time share counts those
finished in the month or open at its end (stopped/refused/withdrawn on time; more than one supplement request
late; deadline = appointment + supplement waiting days). Used by the benchmark's "limit" (DuckDB over read_csv) and "alternative" (SQLite
after pandas). Input: a relation with the export's columns typed (see ``COLUMNS``) plus ``period_month``.
"""

from __future__ import annotations

FINISHED = ("Đã xử lý xong", "Đã trả kết quả", "Dừng xử lý", "Từ chối", "Công dân yêu cầu rút hồ sơ")
SPECIAL = ("Dừng xử lý", "Từ chối", "Công dân yêu cầu rút hồ sơ")

# columns the KPI query needs (typed): name -> meaning
COLUMNS = ["dossier_code", "agency_code", "channel", "received_at", "appointment_at", "completed_at",
           "status_raw", "supplement_count", "supplement_wait_days", "fee_amount", "online_payment", "has_digitised_components",
           "updated_at", "period_month"]


def _lst(values) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


DIALECTS = {
    "duckdb": {
        "prefix": "split_part({c}, '.', 1)",
        "date": "CAST({c} AS DATE)",
        "add_seconds": "({ts} + to_seconds(CAST(round(coalesce({d}, 0) * 86400) AS BIGINT)))",
        "add_day": "CAST({c} + INTERVAL 1 DAY AS DATE)",
        "next_month": "CAST({c} + INTERVAL 1 MONTH AS DATE)",
        "true": "true",
        "false": "false",
        "max_date": "DATE '9999-12-31'",
    },
    "sqlite": {
        "prefix": "(CASE WHEN instr({c}, '.') > 0 THEN substr({c}, 1, instr({c}, '.') - 1) ELSE {c} END)",
        "date": "date({c})",
        "add_seconds": "datetime({ts}, '+' || CAST(round(coalesce({d}, 0) * 86400) AS INTEGER) || ' seconds')",
        "add_day": "date({c}, '+1 day')",
        "next_month": "date({c}, '+1 month')",
        "true": "1",
        "false": "0",
        "max_date": "'9999-12-31'",
    },
}


def kpi_sql(relation: str, provinces: str, dialect: str = "duckdb") -> str:
    """SELECT unit_code, unit_valid_from, kpi_code, period_start, numerator, denominator."""
    d = DIALECTS[dialect]
    fin, spec = _lst(FINISHED), _lst(SPECIAL)
    deadline = d["add_seconds"].format(ts="appointment_at", d="supplement_wait_days")
    return f"""
WITH RECURSIVE
units AS (
  SELECT province_code AS unit_code, valid_from AS unit_valid_from, valid_to AS unit_valid_to,
         agency_prefix, successor_code, relation
  FROM {provinces}
),
links AS (
  SELECT o.unit_code AS old_code, o.unit_valid_from AS old_from, n.unit_code AS new_code,
         n.unit_valid_from AS new_from
  FROM units o JOIN units n
    ON o.successor_code = n.unit_code AND o.unit_valid_to IS NOT NULL
   AND n.unit_valid_from = {d['add_day'].format(c='o.unit_valid_to')}
  WHERE o.relation = 'whole'
),
members(series_code, series_from, member_code, member_from, depth) AS (
  SELECT unit_code, unit_valid_from, unit_code, unit_valid_from, 0 FROM units
  UNION ALL
  SELECT m.series_code, m.series_from, l.old_code, l.old_from, m.depth + 1
  FROM members m JOIN links l ON m.member_code = l.new_code AND m.member_from = l.new_from
  WHERE m.depth < 10
),
ranked AS (
  SELECT *, row_number() OVER (PARTITION BY dossier_code
                               ORDER BY period_month DESC, updated_at DESC NULLS LAST) AS rk
  FROM {relation}
),
latest AS (SELECT * FROM ranked WHERE rk = 1),
cand AS (
  SELECT latest.dossier_code, units.unit_code, units.unit_valid_from,
         row_number() OVER (PARTITION BY latest.dossier_code ORDER BY
           CASE WHEN {d['date'].format(c='coalesce(latest.received_at, latest.period_month)')}
                     BETWEEN units.unit_valid_from AND coalesce(units.unit_valid_to, {d['max_date']})
                THEN 0 ELSE 1 END,
           units.unit_valid_from DESC) AS ur
  FROM latest JOIN units ON units.agency_prefix = {d['prefix'].format(c='latest.agency_code')}
),
dossiers AS (
  SELECT latest.*, cand.unit_code, cand.unit_valid_from,
         latest.status_raw IN ({fin}) AS is_finished,
         CASE WHEN latest.status_raw IN ({fin}) THEN latest.completed_at END AS finished_at,
         {deadline} AS deadline_at
  FROM latest JOIN cand ON latest.dossier_code = cand.dossier_code AND cand.ur = 1
),
judged AS (
  SELECT *,
    CASE WHEN NOT is_finished THEN NULL
         WHEN status_raw IN ({spec}) THEN {d['true']}
         WHEN coalesce(supplement_count, 0) > 1 THEN {d['false']}
         WHEN appointment_at IS NULL THEN {d['true']}
         WHEN finished_at IS NULL THEN NULL
         ELSE finished_at <= deadline_at END AS on_time
  FROM dossiers
),
series AS (
  SELECT m.series_code, m.series_from, j.*
  FROM judged j JOIN members m ON j.unit_code = m.member_code AND j.unit_valid_from = m.member_from
),
bounds AS (SELECT min(period_month) AS lo, max(period_month) AS hi FROM {relation}),
months(period_start) AS (
  SELECT lo FROM bounds
  UNION ALL
  SELECT {d['next_month'].format(c='period_start')} FROM months, bounds WHERE period_start < bounds.hi
),
periods AS (SELECT period_start, {d['next_month'].format(c='period_start')} AS period_end FROM months),
received AS (
  SELECT series_code, series_from, period_start, count(*) AS n,
         sum(CASE WHEN channel = 2 THEN 1 ELSE 0 END) AS n_online,
         sum(CASE WHEN fee_amount > 0 THEN 1 ELSE 0 END) AS n_fee,
         sum(CASE WHEN fee_amount > 0 AND online_payment IN (1, 2) THEN 1 ELSE 0 END) AS n_paid,
         sum(CASE WHEN has_digitised_components THEN 1 ELSE 0 END) AS n_digit
  FROM series JOIN periods ON received_at >= period_start AND received_at < period_end
  GROUP BY 1, 2, 3
),
handled AS (
  SELECT series_code, series_from, period_start, count(*) AS n,
         sum(CASE WHEN finished_at < period_end THEN CASE WHEN on_time THEN 1 ELSE 0 END
                  WHEN coalesce(supplement_count, 0) > 1 THEN 0
                  WHEN deadline_at IS NULL OR deadline_at >= period_end THEN 1 ELSE 0 END) AS n_on_time
  FROM series JOIN periods
    ON received_at < period_end AND (finished_at IS NULL OR finished_at >= period_start)
  GROUP BY 1, 2, 3
)
SELECT series_code AS unit_code, series_from AS unit_valid_from, 'online_dossier_share' AS kpi_code,
       period_start, n_online AS numerator, n AS denominator FROM received
UNION ALL SELECT series_code, series_from, 'online_payment_rate', period_start, n_paid, n_fee FROM received
UNION ALL SELECT series_code, series_from, 'digitised_dossier_share', period_start, n_digit, n FROM received
UNION ALL SELECT series_code, series_from, 'on_time_share', period_start, n_on_time, n FROM handled
"""
