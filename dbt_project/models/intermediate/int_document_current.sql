{{
    config(
        materialized='incremental',
        unique_key='document_key',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        post_hook=["{{ chiso_delete_unloaded_batches() }}"]
    )
}}
-- One row per document register entry (its latest export), with its province (agency prefix, on the issue date
-- or else the export month). document_key = md5 of (agency_code, direction, document_number, issued_on), nulls
-- as empty text, so that the delete+insert key is one non-null column on DuckDB and Postgres.
-- Incremental like int_dossier_current: a run re-ranks only the documents listed in batches loaded since the
-- table's watermark (refreshed_through), from all their export rows; documents whose batches were all
-- superseded by a corrected export that drops them are deleted (post-hook). recompute_from = the issue date:
-- the month int_document_month_measures must rebuild from.
with

manifest as (

    select batch_id, loaded_at, received_at as batch_received_at
    from {{ ref('stg_loader__landing_manifest') }}
    where load_status = 'loaded'

),

{% if is_incremental() %}
new_batches as (

    select batch_id
    from manifest
    where loaded_at > {{ chiso_watermark() }}

),

changed as (

    select distinct
        coalesce(agency_code, '') as key_agency,
        coalesce(direction, '') as key_direction,
        coalesce(document_number, '') as key_number,
        coalesce(cast(issued_on as {{ dbt.type_string() }}), '') as key_issued
    from {{ ref('stg_qlvb__document') }}
    where batch_id in (select batch_id from new_batches)

),
{% endif %}

document_rows as (

    select
        stg.*,
        {{ dbt.hash(
            "coalesce(stg.agency_code, '') || '|' || coalesce(stg.direction, '') || '|' || "
            ~ "coalesce(stg.document_number, '') || '|' || coalesce(cast(stg.issued_on as "
            ~ dbt.type_string() ~ "), '')"
        ) }} as document_key
    from {{ ref('stg_qlvb__document') }} as stg
    {% if is_incremental() %}
    inner join changed
        on coalesce(stg.agency_code, '') = changed.key_agency
        and coalesce(stg.direction, '') = changed.key_direction
        and coalesce(stg.document_number, '') = changed.key_number
        and coalesce(cast(stg.issued_on as {{ dbt.type_string() }}), '') = changed.key_issued
    {% endif %}

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
    manifest.batch_received_at,
    (select max(loaded_at) from manifest) as refreshed_through,
    documents.issued_on as recompute_from
from documents
left join unit_candidates
    on documents.document_key = unit_candidates.document_key
    and unit_candidates.unit_rank = 1
left join manifest
    on documents.batch_id = manifest.batch_id
