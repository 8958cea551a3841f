{{ config(materialized='view') }}
-- One row per document register entry in its latest export (int_document_latest), with its province (the
-- province version of its agency prefix on the issue date, else the export month: int_province_by_prefix) and
-- its flags. A view: one join with a small table of date ranges, so a reader's filter reaches
-- int_document_latest directly.
select
    -- ids
    documents.document_key,
    documents.agency_code,
    documents.direction,
    documents.document_number,
    documents.issued_on,
    province.unit_code as reported_unit_code,
    province.unit_valid_from as reported_unit_valid_from,

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
    documents.batch_id,
    documents.batch_received_at,
    documents.refreshed_through,
    documents.recompute_from
from {{ ref('int_document_latest') }} as documents
left join {{ ref('int_province_by_prefix') }} as province
    on province.agency_prefix = {{ chiso_agency_prefix('documents.agency_code') }}
    and coalesce(documents.issued_on, documents.period_month) >= province.range_from
    and coalesce(documents.issued_on, documents.period_month) < province.range_to
