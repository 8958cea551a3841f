{{
    config(
        materialized='incremental',
        unique_key='month_start',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}
-- depends_on: {{ ref('stg_loader__landing_manifest') }}
-- Online dossiers (channel 2) per attribution unit x procedure x receipt month: what the online-service KPI
-- (a published service counts when its procedure received >= 1 online dossier) and fct_online_service_month
-- read. attribution as in int_dossier_month_measures ('province' = series member, 'agency' = the unit below
-- the province of the handling agency, 'marker' = one row per rebuilt month). Incremental by month like
-- int_dossier_month_measures (macro chiso_recompute_from).
with

{{ chiso_rebuilt_months('int_dossier_current', 'motcua_dossier', 'recompute_received_from') }}

dossiers as (

    select unit_code, unit_valid_from, agency_code, procedure_code, received_at
    from {{ ref('int_dossier_current') }}
    where channel = 2
        and received_at is not null
    {% if is_incremental() %}
        and received_at >= (select rebuild.month_start from rebuild)
    {% endif %}

),

agency_units as (

    select * from {{ ref('int_agency_units') }}

),

attributed as (

    select 'province' as attribution, dossiers.unit_code as attributed_unit_code,
        dossiers.unit_valid_from as attributed_unit_valid_from, dossiers.procedure_code, dossiers.received_at
    from dossiers
    where dossiers.unit_code is not null

    union all

    select 'agency', agency_units.unit_code, agency_units.unit_valid_from, dossiers.procedure_code,
        dossiers.received_at
    from dossiers
    inner join agency_units
        on dossiers.agency_code = agency_units.agency_code
        and cast(dossiers.received_at as date) >= agency_units.agency_valid_from
        and cast(dossiers.received_at as date) <= coalesce(agency_units.agency_valid_to, cast('9999-12-31' as date))

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
    (select max(refreshed_through) from {{ ref('int_dossier_current') }}) as built_through
from final
