-- One row per online service per catalogue snapshot month, with its province and the online dossiers its
-- procedure received that month at the same province (channel 2).
with

service_rows as (

    select * from {{ ref('stg_dvc__service') }}

),

services as (

    select *
    from (
        select
            service_rows.*,
            row_number() over (
                partition by snapshot_month, service_code
                order by source_file desc, source_row desc
            ) as row_rank
        from service_rows
    ) as ranked
    where row_rank = 1

),

units as (

    select * from {{ ref('int_admin_units') }}

),

unit_candidates as (

    select
        services.snapshot_month,
        services.service_code,
        units.unit_code,
        units.unit_valid_from,
        row_number() over (
            partition by services.snapshot_month, services.service_code
            order by
                case
                    when services.snapshot_month
                        between units.unit_valid_from and coalesce(units.unit_valid_to, cast('9999-12-31' as date))
                        then 0
                    else 1
                end,
                units.unit_valid_from desc
        ) as unit_rank
    from services
    inner join units
        on units.agency_prefix = {{ chiso_agency_prefix('services.agency_code') }}

),

attributed as (

    select
        services.*,
        unit_candidates.unit_code,
        unit_candidates.unit_valid_from
    from services
    left join unit_candidates
        on services.snapshot_month = unit_candidates.snapshot_month
        and services.service_code = unit_candidates.service_code
        and unit_candidates.unit_rank = 1

),

online_dossiers as (

    select
        unit_code,
        unit_valid_from,
        procedure_code,
        cast({{ dbt.date_trunc('month', 'received_at') }} as date) as received_month,
        count(*) as online_dossier_count
    from {{ ref('int_dossier_current') }}
    where channel = 2
    group by 1, 2, 3, 4

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
