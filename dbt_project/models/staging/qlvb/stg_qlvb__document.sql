-- One row per document register line. The summary (trích yếu) is never loaded.
with

source as (

    select * from {{ source('qlvb', 'qlvb_document') }}

),

renamed as (

    select
        -- ids
        cast(agency_code as {{ dbt.type_string() }}) as agency_code,
        cast(direction as {{ dbt.type_string() }}) as direction,
        cast(document_number as {{ dbt.type_string() }}) as document_number,
        cast(issued_on as date) as issued_on,
        cast(period_month as date) as period_month,

        -- attributes
        cast(document_type as {{ dbt.type_string() }}) as document_type,
        cast(issuing_agency as {{ dbt.type_string() }}) as issuing_agency,
        cast(form as {{ dbt.type_string() }}) as form,
        cast(digitally_signed as {{ dbt.type_boolean() }}) as is_digitally_signed,
        cast(confidentiality as {{ dbt.type_string() }}) as confidentiality,

        -- dates
        cast(due_on as date) as due_on,
        cast(completed_on as date) as completed_on,

        -- lineage
        cast(batch_id as {{ dbt.type_string() }}) as batch_id,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_row as {{ dbt.type_int() }}) as source_row

    from source

)

select * from renamed
