-- One row per target or reported figure of a loaded plan workbook (a superseded copy of the same documents has
-- left the raw layer; workbooks of other documents stay side by side: the history).
with

source as (

    select * from {{ source('plans', 'plan_item') }}

),

renamed as (

    select
        -- ids
        cast(sheet as {{ dbt.type_string() }}) as sheet,
        cast(kpi_code as {{ dbt.type_string() }}) as kpi_code,
        cast(unit_level as {{ dbt.type_string() }}) as unit_level,
        cast(unit_code as {{ dbt.type_string() }}) as unit_code,
        cast(unit_valid_from as date) as unit_valid_from,
        cast(province_code as {{ dbt.type_string() }}) as province_code,

        -- values
        cast(value as {{ chiso_exact() }}) as value,
        cast(direction as {{ dbt.type_string() }}) as direction,
        cast(horizon_date as date) as horizon_date,
        cast(baseline_value as {{ chiso_exact() }}) as baseline_value,
        cast(baseline_date as date) as baseline_date,
        cast(edition_year as {{ dbt.type_int() }}) as edition_year,
        cast(as_of_date as date) as as_of_date,
        cast(scale as {{ dbt.type_string() }}) as scale,
        cast(rank as {{ dbt.type_int() }}) as rank,
        cast(rank_out_of as {{ dbt.type_int() }}) as rank_out_of,

        -- the document
        cast(document_number as {{ dbt.type_string() }}) as document_number,
        cast(document_date as date) as document_date,
        cast(issuing_body as {{ dbt.type_string() }}) as issuing_body,
        cast(document_article as {{ dbt.type_string() }}) as document_article,
        cast(is_verified as {{ dbt.type_boolean() }}) as is_verified,
        cast(note as {{ dbt.type_string() }}) as note,

        -- lineage
        cast(batch_id as {{ dbt.type_string() }}) as batch_id,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_row as {{ dbt.type_int() }}) as source_row,
        cast(sheet_row as {{ dbt.type_int() }}) as sheet_row,
        cast('PLN-' || substr(batch_id, 1, 12) || '-' || cast(source_row as {{ dbt.type_string() }})
            as {{ dbt.type_string() }}) as item_id

    from source

)

select * from renamed
