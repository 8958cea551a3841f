{{
    config(
        materialized='incremental',
        unique_key='month_start',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}
-- depends_on: {{ ref('stg_loader__landing_manifest') }}
-- depends_on: {{ ref('int_agency_unit_changes') }}
-- The dossier counts every dossier KPI is made of, per attribution unit x calendar month: received (by
-- channel, fee, online payment, digitised), finished in the month (on time by the 766 rule), and open at the
-- month's end (within its deadline or not). int_kpi_dossier_measures adds months into quarters and years and
-- members into successor series: handled(period) = finished in its months + open at its last month's end.
--
-- attribution (macro chiso_attributed): 'province' = the province version the agency prefix gives on the
-- receipt date (int_kpi_dossier_measures rolls it up into its series); 'agency' = the unit below the province
-- the handling agency maps to on the receipt date (int_agency_units: department, old district, new commune);
-- 'marker' = one empty row per rebuilt month, so that a rebuilt month replaces its old rows whole.
--
-- Incremental by month: a run rebuilds the months from the earliest month a change since the last run can
-- affect (macro chiso_recompute_from: the dossiers int_dossier_counted rewrote, superseded batches, agencies
-- placed anew), reading only the dossiers that can count in those months (open, or finished since). A daily load therefore costs in
-- proportion to the months it touches and the dossiers open in them, not to the whole history.
with

{{ chiso_rebuilt_months('int_dossier_counted', 'motcua_dossier') }}

dossiers as (

    select
        dossier_code,
        unit_code,
        unit_valid_from,
        agency_code,
        channel,
        fee_amount,
        online_payment,
        has_digitised_components,
        supplement_count,
        received_at,
        finished_at,
        deadline_at,
        is_finished_on_time
    from {{ ref('int_dossier_counted') }}
    where received_at is not null
    {% if is_incremental() %}
        and (finished_at is null or finished_at >= (select rebuild.month_start from rebuild))
    {% endif %}

),

attributed as (

    {{ chiso_attributed('dossiers', 'cast(dossiers.received_at as date)') }}

),

counted as (

    select
        attributed.attribution,
        attributed.attributed_unit_code as unit_code,
        attributed.attributed_unit_valid_from as unit_valid_from,
        rebuilt_months.month_start,
        sum(case when attributed.received_at >= rebuilt_months.month_start then 1 else 0 end) as n_received,
        sum(case when attributed.received_at >= rebuilt_months.month_start and attributed.channel = 2
            then 1 else 0 end) as n_received_online,
        sum(case when attributed.received_at >= rebuilt_months.month_start and attributed.fee_amount > 0
            then 1 else 0 end) as n_fee_bearing,
        sum(case when attributed.received_at >= rebuilt_months.month_start and attributed.fee_amount > 0
            and attributed.online_payment in (1, 2) then 1 else 0 end) as n_fee_paid_online,
        sum(case when attributed.received_at >= rebuilt_months.month_start and attributed.has_digitised_components
            then 1 else 0 end) as n_digitised,
        sum(case when attributed.finished_at < rebuilt_months.month_end_exclusive then 1 else 0 end) as n_finished,
        sum(case when attributed.finished_at < rebuilt_months.month_end_exclusive and attributed.is_finished_on_time
            then 1 else 0 end) as n_finished_on_time,
        sum({{ chiso_open_at('attributed', 'rebuilt_months.month_end_exclusive') }}) as n_open_at_end,
        -- open at the month's end: within deadline if the deadline is not passed at the end
        sum({{ chiso_open_within_deadline('attributed', 'rebuilt_months.month_end_exclusive') }})
            as n_open_at_end_on_time
    from attributed
    inner join rebuilt_months
        on attributed.received_at < rebuilt_months.month_end_exclusive
        and (attributed.finished_at is null or attributed.finished_at >= rebuilt_months.month_start)
    group by 1, 2, 3, 4

),

markers as (

    select
        'marker' as attribution,
        'marker' as unit_code,
        cast('1900-01-01' as date) as unit_valid_from,
        rebuilt_months.month_start,
        0 as n_received, 0 as n_received_online, 0 as n_fee_bearing, 0 as n_fee_paid_online, 0 as n_digitised,
        0 as n_finished, 0 as n_finished_on_time, 0 as n_open_at_end, 0 as n_open_at_end_on_time
    from rebuilt_months

),

final as (

    select * from counted
    union all
    select * from markers

)

select
    cast(attribution as {{ dbt.type_string() }}) as attribution,
    cast(unit_code as {{ dbt.type_string() }}) as unit_code,
    cast(unit_valid_from as date) as unit_valid_from,
    cast(month_start as date) as month_start,
    cast(n_received as {{ dbt.type_bigint() }}) as n_received,
    cast(n_received_online as {{ dbt.type_bigint() }}) as n_received_online,
    cast(n_fee_bearing as {{ dbt.type_bigint() }}) as n_fee_bearing,
    cast(n_fee_paid_online as {{ dbt.type_bigint() }}) as n_fee_paid_online,
    cast(n_digitised as {{ dbt.type_bigint() }}) as n_digitised,
    cast(n_finished as {{ dbt.type_bigint() }}) as n_finished,
    cast(n_finished_on_time as {{ dbt.type_bigint() }}) as n_finished_on_time,
    cast(n_open_at_end as {{ dbt.type_bigint() }}) as n_open_at_end,
    cast(n_open_at_end_on_time as {{ dbt.type_bigint() }}) as n_open_at_end_on_time,
    {{ chiso_built_through() }} as built_through
from final
