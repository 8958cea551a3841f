with

source as (

    select * from {{ source('loader', 'landing_manifest') }}

),

renamed as (

    select
        -- ids
        cast(file_sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(batch_id as {{ dbt.type_string() }}) as batch_id,
        cast(source_system as {{ dbt.type_string() }}) as source_system,
        cast(dataset as {{ dbt.type_string() }}) as dataset,
        cast(file_name as {{ dbt.type_string() }}) as file_name,

        -- period and status
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        cast(status as {{ dbt.type_string() }}) as load_status,
        cast(error as {{ dbt.type_string() }}) as load_error,
        cast(superseded_by as {{ dbt.type_string() }}) as superseded_by_batch_id,

        -- counts
        cast(rows_read as {{ dbt.type_bigint() }}) as rows_read,
        cast(rows_loaded as {{ dbt.type_bigint() }}) as rows_loaded,
        cast(rows_rejected as {{ dbt.type_bigint() }}) as rows_rejected,

        -- timestamps
        cast(received_at as {{ dbt.type_timestamp() }}) as received_at,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at

    from source

)

select * from renamed
