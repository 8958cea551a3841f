-- All computed KPIs, one row per unit series x KPI x period, restricted to the periods a unit can be asked
-- about: a unit that ended (e.g. Bắc Kạn, to 2025-06-30) only for periods starting before its end.
with

measures as (

    select unit_code, unit_valid_from, period_type, period_start, kpi_code, numerator, denominator
    from {{ ref('int_kpi_dossier_measures') }}
    union all
    select unit_code, unit_valid_from, period_type, period_start, kpi_code, numerator, denominator
    from {{ ref('int_kpi_document_measures') }}
    union all
    select unit_code, unit_valid_from, period_type, period_start, kpi_code, numerator, denominator
    from {{ ref('int_kpi_service_measures') }}

),

series as (

    select * from {{ ref('int_unit_series') }}

),

periods as (

    select * from {{ ref('int_periods') }}

)

select
    measures.unit_code,
    measures.unit_valid_from,
    measures.kpi_code,
    measures.period_type,
    measures.period_start,
    periods.period_end,
    periods.period_year,
    periods.is_complete as is_period_complete,
    measures.numerator,
    measures.denominator
from measures
inner join series
    on measures.unit_code = series.unit_code
    and measures.unit_valid_from = series.unit_valid_from
inner join periods
    on measures.period_type = periods.period_type
    and measures.period_start = periods.period_start
where series.unit_valid_to is null
    or measures.period_start <= series.unit_valid_to
