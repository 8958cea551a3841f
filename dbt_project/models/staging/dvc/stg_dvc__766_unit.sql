with

source as (

    select * from {{ source('dvc', 'dvc_766_unit') }}

),

renamed as (

    select
        -- ids
        cast(group_code as {{ dbt.type_string() }}) as group_code,
        cast(period_type as {{ dbt.type_string() }}) as period_type,
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        cast(department_id as {{ dbt.type_string() }}) as department_id,
        cast(department_code as {{ dbt.type_string() }}) as department_code,
        cast(root_department_code as {{ dbt.type_string() }}) as root_department_code,

        -- attributes
        cast(is_root as {{ dbt.type_boolean() }}) as is_root,
        cast(department_name as {{ dbt.type_string() }}) as department_name,
        cast(department_type as {{ dbt.type_string() }}) as department_type,
        cast(level as {{ dbt.type_string() }}) as department_level,

        -- measures as published
        cast(total_score as {{ chiso_exact() }}) as total_score,
        cast(total_max_score as {{ chiso_exact() }}) as total_max_score,
        cast(ratio as {{ chiso_exact() }}) as ratio_pct,
        cast(score_delta as {{ chiso_exact() }}) as score_delta,

        -- timestamps (UTC)
        cast(captured_at as {{ dbt.type_timestamp() }}) as captured_at,

        -- lineage
        cast(batch_id as {{ dbt.type_string() }}) as batch_id,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_row as {{ dbt.type_int() }}) as source_row

    from source

)

select * from renamed
