{{ config(materialized='view') }}
-- One row per document register entry (latest export of the same document), with its province: the public face
-- of int_document_current. A view, like fct_dossier: int_document_latest is the one materialised copy.
select
    -- ids
    document_key,
    agency_code,
    direction,
    document_number,
    issued_on,
    reported_unit_code,
    reported_unit_valid_from,

    -- attributes
    document_type,
    issuing_agency,
    form,
    is_electronic,
    is_digitally_signed,
    confidentiality,
    is_secret,
    due_on,
    completed_on,
    is_completed_on_time,

    -- lineage
    period_month,
    batch_id,
    batch_received_at,
    refreshed_through
from {{ ref('int_document_current') }}
