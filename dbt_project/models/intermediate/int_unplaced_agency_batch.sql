{{
    config(
        materialized='incremental',
        unique_key='batch_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        post_hook=["{{ chiso_delete_unloaded_batches() }}"]
    )
}}
-- depends_on: {{ ref('stg_loader__landing_manifest') }}
-- The agency identifiers of each dossier and document batch that the agency crosswalk cannot place on the
-- date they are used (dossiers: receipt date, else the export month; documents: issue date, else the export
-- month), per batch x agency code x export month x reference date, with the reason (macro
-- chiso_unplaced_agency_groups) and the number of rows; plus one marker row per batch read (reason null,
-- row_count 0) so that a batch whose codes are all known is not read again. mart_unknown_agency_codes adds the
-- batches up.
--
-- Incremental: a run reads only the rows of batches loaded after the table's watermark (refreshed_through =
-- the newest manifest load time when the rows were written); rows of batches no longer loaded (superseded by
-- a corrected export) are deleted (post-hook). The crosswalk is evaluated when a batch is read: after a change
-- to the crosswalk seed, run with --full-refresh (chiso's build does it when the dbt project changes).
with

manifest as (

    select batch_id, dataset, loaded_at
    from {{ ref('stg_loader__landing_manifest') }}
    where load_status = 'loaded'

),

read_batches as (

    select batch_id, dataset
    from manifest
    where dataset in ('motcua_dossier', 'qlvb_document')
    {% if is_incremental() %}
        and loaded_at > {{ chiso_watermark() }}
    {% endif %}

),

seen as (

    select
        batch_id,
        cast('motcua_dossier' as {{ dbt.type_string() }}) as source_dataset,
        agency_code,
        agency_name,
        period_month,
        cast(coalesce(received_at, period_month) as date) as reference_date
    from {{ ref('stg_motcua__dossier') }}
    {% if is_incremental() %}
    where batch_id in (select batch_id from read_batches)
    {% endif %}

    union all

    select
        batch_id,
        'qlvb_document',
        agency_code,
        cast(null as {{ dbt.type_string() }}),  -- the register names the issuer, not the registering agency
        period_month,
        cast(coalesce(issued_on, period_month) as date)
    from {{ ref('stg_qlvb__document') }}
    {% if is_incremental() %}
    where batch_id in (select batch_id from read_batches)
    {% endif %}

),

grouped as (

    select
        row_number() over (
            order by batch_id, source_dataset, agency_code, period_month, reference_date
        ) as seen_id,
        batch_id,
        source_dataset,
        agency_code,
        cast(null as {{ dbt.type_string() }}) as department_id,
        period_month,
        reference_date,
        min(agency_name) as agency_name,
        count(*) as row_count
    from seen
    group by batch_id, source_dataset, agency_code, period_month, reference_date

),

unplaced as (

    {{ chiso_unplaced_agency_groups('grouped') }}

),

markers as (

    select
        batch_id,
        dataset as source_dataset,
        cast(null as {{ dbt.type_string() }}) as agency_code,
        cast(null as {{ dbt.type_string() }}) as department_id,
        cast(null as {{ dbt.type_string() }}) as reason,
        cast(null as {{ dbt.type_string() }}) as agency_name,
        cast(null as date) as period_month,
        cast(null as date) as reference_date,
        0 as row_count
    from read_batches

),

final as (

    select batch_id, source_dataset, agency_code, department_id, reason, agency_name, period_month,
        reference_date, row_count
    from unplaced

    union all

    select * from markers

)

select
    -- ids
    cast(batch_id as {{ dbt.type_string() }}) as batch_id,
    cast(source_dataset as {{ dbt.type_string() }}) as source_dataset,
    cast(agency_code as {{ dbt.type_string() }}) as agency_code,
    cast(department_id as {{ dbt.type_string() }}) as department_id,
    cast(reason as {{ dbt.type_string() }}) as reason,

    -- attributes
    cast(agency_name as {{ dbt.type_string() }}) as agency_name,
    cast(period_month as date) as period_month,
    cast(reference_date as date) as reference_date,
    cast(row_count as {{ dbt.type_bigint() }}) as row_count,

    -- watermark
    (select max(loaded_at) from manifest) as refreshed_through
from final
