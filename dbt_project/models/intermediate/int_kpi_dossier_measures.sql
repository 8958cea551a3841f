-- Numerators and denominators of the dossier KPIs per unit series x period (month, quarter, year), from the
-- monthly counts of int_dossier_month_measures (incremental; this model only adds them up):
--   received KPIs (online share, online payment, digitised share): sums over the period's months;
--   on_time_share: handled = finished in the period's months + open at the end of its last month, on time =
--   finished on time + open and within the deadline at that end (the 766 rule, DOMAIN 3.2).
-- The counts go to the reporting units of int_unit_attribution: a successor's series adds its predecessors'
-- counts (sums of counts, never averages of ratios); below the province, the unit the handling agency maps to
-- on the receipt date (department, old district or new commune; an agency that is not placed counts for no
-- unit below the province, see mart_unknown_agency_codes).
with

month_measures as (

    select * from {{ ref('int_dossier_month_measures') }}

),

attribution as (

    select * from {{ ref('int_unit_attribution') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

series_months as (

    select
        attribution.unit_code,
        attribution.unit_valid_from,
        month_measures.month_start,
        month_measures.n_received,
        month_measures.n_received_online,
        month_measures.n_fee_bearing,
        month_measures.n_fee_paid_online,
        month_measures.n_digitised,
        month_measures.n_finished,
        month_measures.n_finished_on_time,
        month_measures.n_open_at_end,
        month_measures.n_open_at_end_on_time
    from month_measures
    inner join attribution
        on month_measures.attribution = attribution.attribution
        and month_measures.unit_code = attribution.attributed_unit_code
        and month_measures.unit_valid_from = attribution.attributed_unit_valid_from

),

period_counts as (

    select
        series_months.unit_code,
        series_months.unit_valid_from,
        periods.period_type,
        periods.period_start,
        sum(series_months.n_received) as n_received,
        sum(series_months.n_received_online) as n_received_online,
        sum(series_months.n_fee_bearing) as n_fee_bearing,
        sum(series_months.n_fee_paid_online) as n_fee_paid_online,
        sum(series_months.n_digitised) as n_digitised,
        sum(series_months.n_finished)
            + sum(case when series_months.month_start = {{ chiso_last_month('periods.period_end_exclusive') }}
                then series_months.n_open_at_end else 0 end) as n_handled,
        sum(series_months.n_finished_on_time)
            + sum(case when series_months.month_start = {{ chiso_last_month('periods.period_end_exclusive') }}
                then series_months.n_open_at_end_on_time else 0 end) as n_handled_on_time
    from series_months
    inner join periods
        on series_months.month_start >= periods.period_start
        and series_months.month_start < periods.period_end_exclusive
    group by 1, 2, 3, 4

),

long as (

    select unit_code, unit_valid_from, period_type, period_start,
        'online_dossier_share' as kpi_code, n_received_online as numerator, n_received as denominator
    from period_counts
    where n_received > 0
    union all
    select unit_code, unit_valid_from, period_type, period_start,
        'online_payment_rate', n_fee_paid_online, n_fee_bearing
    from period_counts
    where n_received > 0
    union all
    select unit_code, unit_valid_from, period_type, period_start,
        'digitised_dossier_share', n_digitised, n_received
    from period_counts
    where n_received > 0
    union all
    select unit_code, unit_valid_from, period_type, period_start,
        'on_time_share', n_handled_on_time, n_handled
    from period_counts
    where n_handled > 0

)

select
    unit_code,
    unit_valid_from,
    cast(kpi_code as {{ dbt.type_string() }}) as kpi_code,
    period_type,
    period_start,
    cast(numerator as {{ dbt.type_bigint() }}) as numerator,
    cast(denominator as {{ dbt.type_bigint() }}) as denominator
from long
