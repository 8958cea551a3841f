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

-- the best naming row by DISTINCT ON and the months and rows by GROUP BY (same result as a window ranking over
-- every dossier row, in about 60% of its time: a batch has a few hundred procedures, not millions of rows)
best as (

    select distinct on (batch_id, procedure_code) *
    from dossier_rows
    order by
        batch_id,
        procedure_code,
        case when procedure_name is null then 1 else 0 end,
        period_month desc,
        updated_at desc nulls last,
        source_file desc,
        source_row desc

),

months_and_rows as (

    select
        batch_id,
        procedure_code,
        min(period_month) as first_period_month,
        max(period_month) as last_period_month,
        count(*) as row_count
    from dossier_rows
    group by batch_id, procedure_code

)

select
    -- ids
    cast(best.batch_id as {{ dbt.type_string() }}) as batch_id,
    cast(best.procedure_code as {{ dbt.type_string() }}) as procedure_code,

    -- the batch's best naming row
    cast(best.procedure_name as {{ dbt.type_string() }}) as procedure_name,
    cast(best.field_code as {{ dbt.type_string() }}) as field_code,
    cast(best.field_name as {{ dbt.type_string() }}) as field_name,
    cast(best.period_month as date) as name_period_month,
    best.updated_at as name_updated_at,
    cast(best.source_file as {{ dbt.type_string() }}) as name_source_file,
    best.source_row as name_source_row,

    -- the batch's months and rows
    cast(months_and_rows.first_period_month as date) as first_period_month,
    cast(months_and_rows.last_period_month as date) as last_period_month,
    cast(months_and_rows.row_count as {{ dbt.type_bigint() }}) as row_count,

    -- watermark
    (select max(loaded_at) from manifest) as refreshed_through
from best
inner join months_and_rows
    on best.batch_id = months_and_rows.batch_id
    and (best.procedure_code = months_and_rows.procedure_code
        or (best.procedure_code is null and months_and_rows.procedure_code is null))
