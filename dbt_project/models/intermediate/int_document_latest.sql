{{
    config(
        materialized='incremental',
        unique_key='document_key',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        post_hook=["{{ chiso_delete_unloaded_batches() }}"]
    )
}}
-- One row per document register entry: its row in the latest export. document_key = md5 of (agency_code,
-- direction, document_number, issued_on), nulls as empty text, so that the delete+insert key is one non-null
-- column on DuckDB and Postgres. int_document_current adds the province and the flags.
--
-- Incremental like int_dossier_latest: a run re-ranks only the documents listed in batches loaded since the
-- table's watermark (refreshed_through), from all their export rows; documents whose batches were all
-- superseded by a corrected export that drops them are deleted (post-hook). recompute_from = the issue date:
-- the month int_document_month_measures must rebuild from (the issue date is part of the key, so a document
-- never moves to another month).
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

ranked as (

    select
        document_rows.*,
        row_number() over (
            partition by document_key
            order by period_month desc, source_file desc, source_row desc
        ) as row_rank
    from document_rows

)

select
    ranked.*,
    manifest.batch_received_at,
    (select max(loaded_at) from manifest) as refreshed_through,
    ranked.issued_on as recompute_from
from ranked
left join manifest
    on ranked.batch_id = manifest.batch_id
where ranked.row_rank = 1
