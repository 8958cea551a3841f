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
-- Online dossiers (channel 2) per attribution unit x procedure x receipt month: what the online-service KPI
-- (a published service counts when its procedure received >= 1 online dossier) and fct_online_service_month
-- read. attribution as in int_dossier_month_measures (macro chiso_attributed: 'province', 'agency'; 'marker'
-- = one row per rebuilt month). Incremental by month like
-- int_dossier_month_measures (macro chiso_recompute_from).
with

{{ chiso_rebuilt_months('int_dossier_counted', 'motcua_dossier', 'recompute_received_from') }}

dossiers as (

    select unit_code, unit_valid_from, agency_code, procedure_code, received_at
    from {{ ref('int_dossier_counted') }}
    where channel = 2
        and received_at is not null
    {% if is_incremental() %}
        and received_at >= (select rebuild.month_start from rebuild)
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
        attributed.procedure_code,
        rebuilt_months.month_start,
        count(*) as online_dossier_count
    from attributed
    inner join rebuilt_months
        on attributed.received_at >= rebuilt_months.month_start
        and attributed.received_at < rebuilt_months.month_end_exclusive
    group by 1, 2, 3, 4, 5

),

final as (

    select * from counted
    union all
    select 'marker', 'marker', cast('1900-01-01' as date), cast(null as {{ dbt.type_string() }}),
        rebuilt_months.month_start, 0
    from rebuilt_months

)

select
    cast(attribution as {{ dbt.type_string() }}) as attribution,
    cast(unit_code as {{ dbt.type_string() }}) as unit_code,
    cast(unit_valid_from as date) as unit_valid_from,
    cast(procedure_code as {{ dbt.type_string() }}) as procedure_code,
    cast(month_start as date) as month_start,
    cast(online_dossier_count as {{ dbt.type_bigint() }}) as online_dossier_count,
    {{ chiso_built_through() }} as built_through
from final
