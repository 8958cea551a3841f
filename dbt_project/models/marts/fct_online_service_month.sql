-- One row per online service per catalogue snapshot month, with its province and the online dossiers its
-- procedure received that month at the same province (channel 2).
with

attributed as (

    select * from {{ ref('int_service_attributed') }}

),

online_dossiers as (

    select
        unit_code,
        unit_valid_from,
        procedure_code,
        month_start as received_month,
        online_dossier_count
    from {{ ref('int_dossier_online_month') }}
    where attribution = 'province'

)

select
    -- ids
    attributed.snapshot_month,
    attributed.service_code,
    attributed.procedure_code,
    attributed.agency_code,
    attributed.unit_code as reported_unit_code,
    attributed.unit_valid_from as reported_unit_valid_from,

    -- attributes
    attributed.service_name,
    attributed.online_level,
    attributed.level_raw,
    attributed.state,
    attributed.state = 'published' as is_published,
    attributed.has_fee,

    -- measures
    cast(coalesce(online_dossiers.online_dossier_count, 0) as {{ dbt.type_bigint() }}) as online_dossier_count,
    coalesce(online_dossiers.online_dossier_count, 0) > 0 as has_online_dossier,

    -- lineage
    attributed.batch_id
from attributed
left join online_dossiers
    on attributed.unit_code = online_dossiers.unit_code
    and attributed.unit_valid_from = online_dossiers.unit_valid_from
    and attributed.procedure_code = online_dossiers.procedure_code
    and attributed.snapshot_month = online_dossiers.received_month
