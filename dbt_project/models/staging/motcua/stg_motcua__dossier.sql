-- One row per dossier per monthly export, renamed and cast. Personal data never reaches raw; the keyed
-- applicant hash is left out here too (no model needs it).
with

source as (

    select * from {{ source('motcua', 'motcua_dossier') }}

),

renamed as (

    select
        -- ids
        cast(dossier_code as {{ dbt.type_string() }}) as dossier_code,
        cast(period_month as date) as period_month,
        cast(procedure_code as {{ dbt.type_string() }}) as procedure_code,
        cast(field_code as {{ dbt.type_string() }}) as field_code,
        cast(agency_code as {{ dbt.type_string() }}) as agency_code,

        -- descriptions
        cast(procedure_name as {{ dbt.type_string() }}) as procedure_name,
        cast(field_name as {{ dbt.type_string() }}) as field_name,
        cast(agency_name as {{ dbt.type_string() }}) as agency_name,
        cast(status_raw as {{ dbt.type_string() }}) as status_raw,
        cast(status as {{ dbt.type_string() }}) as status,

        -- measures and flags
        cast(channel as {{ dbt.type_int() }}) as channel,
        cast(supplement_count as {{ dbt.type_int() }}) as supplement_count,
        cast(supplement_wait_days as {{ chiso_double() }}) as supplement_wait_days,
        cast(fee_amount as {{ dbt.type_bigint() }}) as fee_amount,
        cast(online_payment as {{ dbt.type_int() }}) as online_payment,
        cast(has_digitised_components as {{ dbt.type_boolean() }}) as has_digitised_components,
        cast(has_electronic_result as {{ dbt.type_boolean() }}) as has_electronic_result,
        cast(vneid_verified as {{ dbt.type_boolean() }}) as vneid_verified,

        -- timestamps (wall clock Asia/Ho_Chi_Minh)
        cast(received_at as {{ dbt.type_timestamp() }}) as received_at,
        cast(appointment_at as {{ dbt.type_timestamp() }}) as appointment_at,
        cast(completed_at as {{ dbt.type_timestamp() }}) as completed_at,
        cast(updated_at as {{ dbt.type_timestamp() }}) as updated_at,

        -- lineage
        cast(batch_id as {{ dbt.type_string() }}) as batch_id,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_row as {{ dbt.type_int() }}) as source_row

    from source

)

select * from renamed
