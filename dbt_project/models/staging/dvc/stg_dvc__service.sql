with

source as (

    select * from {{ source('dvc', 'dvc_service') }}

),

renamed as (

    select
        -- ids
        cast(snapshot_month as date) as snapshot_month,
        cast(service_code as {{ dbt.type_string() }}) as service_code,
        cast(procedure_code as {{ dbt.type_string() }}) as procedure_code,
        cast(agency_code as {{ dbt.type_string() }}) as agency_code,

        -- attributes
        cast(service_name as {{ dbt.type_string() }}) as service_name,
        cast(online_level as {{ dbt.type_string() }}) as online_level,
        cast(level_raw as {{ dbt.type_string() }}) as level_raw,
        cast(state as {{ dbt.type_string() }}) as state,
        cast(agency_name as {{ dbt.type_string() }}) as agency_name,
        cast(has_fee as {{ dbt.type_boolean() }}) as has_fee,

        -- lineage
        cast(batch_id as {{ dbt.type_string() }}) as batch_id,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_row as {{ dbt.type_int() }}) as source_row

    from source

)

select * from renamed
