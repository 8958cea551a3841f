with

source as (

    select * from {{ source('dvc', 'dvc_766_measure') }}

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
        cast(measure_code as {{ dbt.type_string() }}) as measure_code,

        -- attributes
        cast(measure_name as {{ dbt.type_string() }}) as measure_name,
        cast(data_quality_status as {{ dbt.type_string() }}) as data_quality_status,

        -- measures as published
        cast(numerator as {{ chiso_exact() }}) as numerator,
        cast(denominator as {{ chiso_exact() }}) as denominator,
        cast(value as {{ chiso_exact() }}) as measure_value,
        cast(ratio as {{ chiso_exact() }}) as ratio,
        cast(score as {{ chiso_exact() }}) as score,
        cast(max_score as {{ chiso_exact() }}) as max_score,

        -- lineage
        cast(batch_id as {{ dbt.type_string() }}) as batch_id,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_row as {{ dbt.type_int() }}) as source_row

    from source

)

select * from renamed
