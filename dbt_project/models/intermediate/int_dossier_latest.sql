{{
    config(
        materialized='incremental',
        unique_key='dossier_code',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        post_hook=["{{ chiso_delete_unloaded_batches() }}"]
    )
}}
-- depends_on: {{ ref('stg_loader__landing_manifest') }}
-- One row per dossier: its row in the latest export (period_month, then update time, file and row) = its
-- current state as exported, with its first export month and number of export rows. The columns the marts and
-- measures read, not the descriptive texts (procedure, field and agency names, the raw status: read from the
-- export rows by int_procedure_batch and int_agency_sightings) nor the ranking's file and row: a narrower copy
-- of two million rows is a third quicker to write. Nothing is derived here:
-- int_dossier_judged adds the on-time judgement, int_dossier_current the province, int_dossier_counted tracks
-- what the monthly counts read.
--
-- Incremental: a run re-ranks only the dossiers that appear in batches loaded after the previous run (all of
-- their export rows, so the latest export still wins); every row it writes carries the run's watermark
-- (refreshed_through = the newest load time in the manifest). Dossiers whose every batch was superseded by a
-- corrected export that no longer lists them are deleted (post-hook).
with

manifest as (

    select batch_id, loaded_at
    from {{ ref('stg_loader__landing_manifest') }}
    where load_status = 'loaded'

),

{% if is_incremental() %}
changed as (

    select distinct stg.dossier_code
    from {{ ref('stg_motcua__dossier') }} as stg
    inner join manifest
        on stg.batch_id = manifest.batch_id
    where manifest.loaded_at > {{ chiso_watermark() }}

),
{% endif %}

dossier_rows as (

    select * from {{ ref('stg_motcua__dossier') }}
    {% if is_incremental() %}
    where dossier_code in (select dossier_code from changed)
    {% endif %}

),

ranked as (

    select
        dossier_rows.*,
        row_number() over (
            partition by dossier_code
            order by period_month desc, updated_at desc nulls last, source_file desc, source_row desc
        ) as row_rank,
        min(period_month) over (partition by dossier_code) as first_period_month,
        count(*) over (partition by dossier_code) as export_row_count
    from dossier_rows

)

select
    ranked.dossier_code,
    ranked.period_month,
    ranked.procedure_code,
    ranked.field_code,
    ranked.agency_code,
    ranked.status,
    ranked.channel,
    ranked.supplement_count,
    ranked.supplement_wait_days,
    ranked.fee_amount,
    ranked.online_payment,
    ranked.has_digitised_components,
    ranked.has_electronic_result,
    ranked.vneid_verified,
    ranked.received_at,
    ranked.appointment_at,
    ranked.completed_at,
    ranked.updated_at,
    ranked.batch_id,
    ranked.first_period_month,
    ranked.export_row_count,
    (select max(loaded_at) from manifest) as refreshed_through
from ranked
where row_rank = 1
