-- depends_on: {{ ref('stg_qlvb__document') }}
{{
    config(
        materialized='incremental',
        unique_key='document_key',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}
-- One row per document register entry (latest export of the same document), with its province.
-- document_key = md5 of (agency_code, direction, document_number, issued_on), nulls as empty text, so that the
-- delete+insert key is one non-null column on DuckDB and Postgres.
-- Incremental like fct_dossier: a run re-writes the documents that appear in batches landed after the newest
-- batch already in the table (each from all its export rows, so its latest export wins). A corrected export
-- that drops a document leaves it here: run with --full-refresh after such a correction, and once on a warehouse
-- where fct_document was built as a plain table (it has no document_key / batch_received_at yet).
with

document_rows as (

    select
        stg.*,
        {{ dbt.hash(
            "coalesce(stg.agency_code, '') || '|' || coalesce(stg.direction, '') || '|' || "
            ~ "coalesce(stg.document_number, '') || '|' || coalesce(cast(stg.issued_on as "
            ~ dbt.type_string() ~ "), '')"
        ) }} as document_key
    from {{ ref('stg_qlvb__document') }} as stg

),

manifest as (

    select batch_id, max(received_at) as batch_received_at
    from {{ ref('stg_loader__landing_manifest') }}
    group by batch_id

),

documents as (

    select *
    from (
        select
            document_rows.*,
            row_number() over (
                partition by document_key
                order by period_month desc, source_file desc, source_row desc
            ) as row_rank
        from document_rows
    ) as ranked
    where row_rank = 1
    {% if is_incremental() %}
        and document_key in (
            select document_rows.document_key
            from document_rows
            inner join manifest
                on document_rows.batch_id = manifest.batch_id
            where manifest.batch_received_at > (
                select coalesce(max(existing.batch_received_at), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
                from {{ this }} as existing
            )
        )
    {% endif %}

),

units as (

    select * from {{ ref('int_admin_units') }}

),

unit_candidates as (

    select
        documents.document_key,
        units.unit_code,
        units.unit_valid_from,
        row_number() over (
            partition by documents.document_key
            order by
                {{ chiso_unit_preference("coalesce(documents.issued_on, documents.period_month)") }}
        ) as unit_rank
    from documents
    inner join units
        on units.agency_prefix = {{ chiso_agency_prefix('documents.agency_code') }}

)

select
    -- ids
    documents.document_key,
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
    documents.batch_id,
    manifest.batch_received_at
from documents
left join unit_candidates
    on documents.document_key = unit_candidates.document_key
    and unit_candidates.unit_rank = 1
left join manifest
    on documents.batch_id = manifest.batch_id
