-- One row per online service per catalogue snapshot month (the last row of that snapshot wins), attributed
-- to the province of the applying agency's prefix in the snapshot month (int_province_by_prefix).
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

attributed as (

    select
        services.*,
        province.unit_code,
        province.unit_valid_from
    from services
    left join {{ ref('int_province_by_prefix') }} as province
        on province.agency_prefix = {{ chiso_agency_prefix('services.agency_code') }}
        and services.snapshot_month >= province.range_from
        and services.snapshot_month < province.range_to

)

select * from attributed
