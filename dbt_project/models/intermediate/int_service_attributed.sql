-- One row per online service per catalogue snapshot month (the last row of that snapshot wins), attributed
-- to the province whose agency prefix matches the applying agency, valid in the snapshot month.
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
                {{ chiso_unit_preference("services.snapshot_month") }}
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

)

select * from attributed
