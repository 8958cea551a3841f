{{
    config(
        materialized='incremental',
        unique_key='document_key',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        post_hook=["{{ chiso_delete_unloaded_batches() }}"]
    )
}}
-- depends_on: {{ ref('stg_loader__landing_manifest') }}
-- One row per document register entry (latest export of the same document), with its province: the public face
-- of int_document_current. Incremental: a run re-writes the documents int_document_latest rewrote since the
-- table's watermark (refreshed_through); documents a corrected export dropped are deleted (post-hook).
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
{% if is_incremental() %}
where refreshed_through > {{ chiso_watermark() }}
{% endif %}
