with

source as (

    select * from {{ source('motcua', 'motcua_bieu06') }}

),

renamed as (

    select
        -- ids
        cast(period_start as date) as period_start,
        cast(period_end as date) as period_end,
        cast(reporting_unit as {{ dbt.type_string() }}) as reporting_unit,
        cast(row_kind as {{ dbt.type_string() }}) as row_kind,
        cast(section_code as {{ dbt.type_string() }}) as section_code,
        cast(section_name as {{ dbt.type_string() }}) as section_name,
        cast(stt as {{ dbt.type_string() }}) as stt,
        cast(unit_name as {{ dbt.type_string() }}) as unit_name,
        cast(unit_key as {{ dbt.type_string() }}) as unit_key,

        -- measures (Biểu 06 columns 3-13)
        cast(received_total as {{ dbt.type_bigint() }}) as received_total,
        cast(received_new_online as {{ dbt.type_bigint() }}) as received_new_online,
        cast(received_new_counter_postal as {{ dbt.type_bigint() }}) as received_new_counter_postal,
        cast(received_carried_over as {{ dbt.type_bigint() }}) as received_carried_over,
        cast(resolved_total as {{ dbt.type_bigint() }}) as resolved_total,
        cast(resolved_early as {{ dbt.type_bigint() }}) as resolved_early,
        cast(resolved_on_time as {{ dbt.type_bigint() }}) as resolved_on_time,
        cast(resolved_late as {{ dbt.type_bigint() }}) as resolved_late,
        cast(pending_total as {{ dbt.type_bigint() }}) as pending_total,
        cast(pending_within_deadline as {{ dbt.type_bigint() }}) as pending_within_deadline,
        cast(pending_overdue as {{ dbt.type_bigint() }}) as pending_overdue,

        -- lineage
        cast(batch_id as {{ dbt.type_string() }}) as batch_id,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_row as {{ dbt.type_int() }}) as source_row

    from source

)

select * from renamed
