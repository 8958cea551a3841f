-- One row per document register entry (latest export of the same document), with its province.
with

document_rows as (

    select * from {{ ref('stg_qlvb__document') }}

),

documents as (

    select *
    from (
        select
            document_rows.*,
            row_number() over (
                partition by agency_code, direction, document_number, issued_on
                order by period_month desc, source_file desc, source_row desc
            ) as row_rank
        from document_rows
    ) as ranked
    where row_rank = 1

),

units as (

    select * from {{ ref('int_admin_units') }}

),

unit_candidates as (

    select
        documents.agency_code,
        documents.direction,
        documents.document_number,
        documents.issued_on,
        units.unit_code,
        units.unit_valid_from,
        row_number() over (
            partition by documents.agency_code, documents.direction, documents.document_number, documents.issued_on
            order by
                case
                    when coalesce(documents.issued_on, documents.period_month)
                        between units.unit_valid_from and coalesce(units.unit_valid_to, cast('9999-12-31' as date))
                        then 0
                    else 1
                end,
                units.unit_valid_from desc
        ) as unit_rank
    from documents
    inner join units
        on units.agency_prefix = {{ chiso_agency_prefix('documents.agency_code') }}

)

select
    -- ids
    documents.agency_code,
    documents.direction,
    documents.document_number,
    documents.issued_on,
    unit_candidates.unit_code as reported_unit_code,
    unit_candidates.unit_valid_from as reported_unit_valid_from,

    -- attributes
    documents.document_type,
    documents.issuing_agency,
    documents.form,
    documents.form = 'electronic' as is_electronic,
    documents.is_digitally_signed,
    documents.confidentiality,
    coalesce(documents.confidentiality, 'normal') <> 'normal' as is_secret,
    documents.due_on,
    documents.completed_on,
    case
        when documents.completed_on is null or documents.due_on is null then null
        else documents.completed_on <= documents.due_on
    end as is_completed_on_time,

    -- lineage
    documents.period_month,
    documents.batch_id
from documents
left join unit_candidates
    on documents.agency_code = unit_candidates.agency_code
    and documents.direction = unit_candidates.direction
    and documents.document_number = unit_candidates.document_number
    and documents.issued_on = unit_candidates.issued_on
    and unit_candidates.unit_rank = 1
