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
-- One row per dossier batch x procedure code (null included, so that every non-empty batch leaves a row and
-- the watermark): the batch's best naming row for the procedure (a row with a name first, then the latest
-- export month, update time, file, row: the ordering dim_procedure uses over all rows), the first and last
-- export month and the number of rows. dim_procedure picks the best candidate across batches (the best row of
-- a union is the best of the batches' best rows) and min/max of the months.
--
-- Incremental: a run reads only the dossier rows of batches loaded after the table's watermark
-- (refreshed_through = the newest manifest load time when the rows were written); rows of batches no longer
-- loaded (superseded by a corrected export) are deleted (post-hook).
with

manifest as (

    select batch_id, loaded_at
    from {{ ref('stg_loader__landing_manifest') }}
    where load_status = 'loaded'

),

{% if is_incremental() %}
new_batches as (

    select batch_id
    from manifest
    where loaded_at > {{ chiso_watermark() }}

),
{% endif %}

dossier_rows as (

    select
        batch_id,
        procedure_code,
        procedure_name,
        field_code,
        field_name,
        period_month,
        updated_at,
        source_file,
        source_row
    from {{ ref('stg_motcua__dossier') }}
    {% if is_incremental() %}
    where batch_id in (select batch_id from new_batches)
    {% endif %}

),

ranked as (

    select
        dossier_rows.*,
        row_number() over (
            partition by batch_id, procedure_code
            order by
                case when procedure_name is null then 1 else 0 end,
                period_month desc,
                updated_at desc nulls last,
                source_file desc,
                source_row desc
        ) as row_rank,
        min(period_month) over (partition by batch_id, procedure_code) as first_period_month,
        max(period_month) over (partition by batch_id, procedure_code) as last_period_month,
        count(*) over (partition by batch_id, procedure_code) as row_count
    from dossier_rows

)

select
    -- ids
    cast(batch_id as {{ dbt.type_string() }}) as batch_id,
    cast(procedure_code as {{ dbt.type_string() }}) as procedure_code,

    -- the batch's best naming row
    cast(procedure_name as {{ dbt.type_string() }}) as procedure_name,
    cast(field_code as {{ dbt.type_string() }}) as field_code,
    cast(field_name as {{ dbt.type_string() }}) as field_name,
    cast(period_month as date) as name_period_month,
    updated_at as name_updated_at,
    cast(source_file as {{ dbt.type_string() }}) as name_source_file,
    source_row as name_source_row,

    -- the batch's months and rows
    cast(first_period_month as date) as first_period_month,
    cast(last_period_month as date) as last_period_month,
    cast(row_count as {{ dbt.type_bigint() }}) as row_count,

    -- watermark
    (select max(loaded_at) from manifest) as refreshed_through
from ranked
where row_rank = 1
