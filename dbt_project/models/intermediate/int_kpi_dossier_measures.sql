-- Numerators and denominators of the dossier KPIs per unit series x period (month, quarter, year).
-- A successor's series adds its predecessors' dossiers (sums of counts, never averages of ratios).
-- Below the province: a dossier also counts for the unit its handling agency maps to in the agency crosswalk
-- on the receipt date (department, old district or new commune; int_agency_units). An agency code without a
-- valid crosswalk row counts for no unit below the province (see mart_unknown_agency_codes).
with

all_dossiers as (

    select * from {{ ref('int_dossier_current') }}

),

dossiers as (

    select * from all_dossiers
    where unit_code is not null

),

agency_units as (

    select * from {{ ref('int_agency_units') }}

),

members as (

    select * from {{ ref('int_unit_series_members') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

series_dossiers as (

    select
        members.unit_code as series_unit_code,
        members.unit_valid_from as series_unit_valid_from,
        dossiers.*
    from dossiers
    inner join members
        on dossiers.unit_code = members.member_unit_code
        and dossiers.unit_valid_from = members.member_unit_valid_from

    union all

    select
        agency_units.unit_code as series_unit_code,
        agency_units.unit_valid_from as series_unit_valid_from,
        all_dossiers.*
    from all_dossiers
    inner join agency_units
        on all_dossiers.agency_code = agency_units.agency_code
        and cast(coalesce(all_dossiers.received_at, all_dossiers.period_month) as date) >= agency_units.agency_valid_from
        and cast(coalesce(all_dossiers.received_at, all_dossiers.period_month) as date)
            <= coalesce(agency_units.agency_valid_to, cast('9999-12-31' as date))

),

received as (

    select
        series_dossiers.series_unit_code as unit_code,
        series_dossiers.series_unit_valid_from as unit_valid_from,
        periods.period_type,
        periods.period_start,
        count(*) as n_received,
        sum(case when series_dossiers.channel = 2 then 1 else 0 end) as n_received_online,
        sum(case when series_dossiers.fee_amount > 0 then 1 else 0 end) as n_fee_bearing,
        sum(
            case when series_dossiers.fee_amount > 0 and series_dossiers.online_payment in (1, 2) then 1 else 0 end
        ) as n_fee_paid_online,
        sum(case when series_dossiers.has_digitised_components then 1 else 0 end) as n_digitised
    from series_dossiers
    inner join periods
        on series_dossiers.received_at >= periods.period_start
        and series_dossiers.received_at < periods.period_end_exclusive
    group by 1, 2, 3, 4

),

handled as (

    -- finished in the period, or received before its end and still open at its end
    select
        series_dossiers.series_unit_code as unit_code,
        series_dossiers.series_unit_valid_from as unit_valid_from,
        periods.period_type,
        periods.period_start,
        count(*) as n_handled,
        sum(
            case
                when series_dossiers.finished_at < periods.period_end_exclusive
                    then case when series_dossiers.is_finished_on_time then 1 else 0 end
                -- open at the period's end: within deadline if the deadline is not passed at the end
                {% if var('chiso_late_if_multiple_supplements') %}
                when coalesce(series_dossiers.supplement_count, 0) > 1 then 0
                {% endif %}
                when series_dossiers.deadline_at is null
                    or series_dossiers.deadline_at >= periods.period_end_exclusive
                    then 1
                else 0
            end
        ) as n_handled_on_time
    from series_dossiers
    inner join periods
        on series_dossiers.received_at < periods.period_end_exclusive
        and (series_dossiers.finished_at is null or series_dossiers.finished_at >= periods.period_start)
    group by 1, 2, 3, 4

),

long as (

    select unit_code, unit_valid_from, period_type, period_start,
        'online_dossier_share' as kpi_code, n_received_online as numerator, n_received as denominator
    from received
    union all
    select unit_code, unit_valid_from, period_type, period_start,
        'online_payment_rate', n_fee_paid_online, n_fee_bearing
    from received
    union all
    select unit_code, unit_valid_from, period_type, period_start,
        'digitised_dossier_share', n_digitised, n_received
    from received
    union all
    select unit_code, unit_valid_from, period_type, period_start,
        'on_time_share', n_handled_on_time, n_handled
    from handled

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
