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
-- One row per dossier: its row in the latest export (period_month) = its current state, attributed to the
-- province whose agency prefix matches the dossier's agency identifier on the day it was received, with the
-- 766 on-time rule for finished dossiers.
--
-- Incremental: a run re-ranks only the dossiers that appear in batches loaded after the previous run (all of
-- their export rows, so the latest export still wins); every row it writes carries the run's watermark
-- (refreshed_through = the newest load time in the manifest) and recompute_from, the earliest receipt time
-- the change can affect (the new and the previous version's), which the monthly measures read to rebuild
-- only the months a load touched. Dossiers whose every batch was superseded by a corrected export and that
-- the correction no longer lists are deleted (post-hook). After a change to the reference seeds or to the
-- attribution rules, run with --full-refresh (chiso's build does it when the dbt project changes).
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

previous as (

    -- the previous version of each rewritten dossier: what the monthly measures read of it
    select
        dossier_code,
        received_at,
        channel,
        fee_amount,
        online_payment,
        has_digitised_components,
        unit_code,
        unit_valid_from,
        agency_code,
        procedure_code,
        supplement_count,
        deadline_at,
        finished_at,
        is_finished_on_time
    from {{ this }}
    where dossier_code in (select dossier_code from changed)

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

),

latest as (

    select * from ranked where row_rank = 1

),

units as (

    select * from {{ ref('int_admin_units') }}

),

unit_candidates as (

    select
        latest.dossier_code,
        units.unit_code,
        units.unit_valid_from,
        row_number() over (
            partition by latest.dossier_code
            order by
                {{ chiso_unit_preference("cast(coalesce(latest.received_at, latest.period_month) as date)") }}
        ) as unit_rank
    from latest
    inner join units
        on units.agency_prefix = {{ chiso_agency_prefix('latest.agency_code') }}

),

unit_match as (

    select * from unit_candidates where unit_rank = 1

),

with_deadline as (

    select
        latest.*,
        unit_match.unit_code,
        unit_match.unit_valid_from,
        latest.status in ('done', 'returned', 'stopped', 'refused', 'withdrawn') as is_finished,
        case
            when latest.status in ('done', 'returned', 'stopped', 'refused', 'withdrawn')
                then latest.completed_at
        end as finished_at,
        {{ chiso_add_fractional_days('latest.appointment_at', 'latest.supplement_wait_days') }} as deadline_at
    from latest
    left join unit_match
        on latest.dossier_code = unit_match.dossier_code

),

judged as (

    select
        with_deadline.*,
        case
            when not with_deadline.is_finished then null
            -- stopped, refused and withdrawn count as resolved on time (Biểu 06 convention, FORMATS §2)
            when with_deadline.status in ('stopped', 'refused', 'withdrawn') then true
            {% if var('chiso_late_if_multiple_supplements') %}
            when coalesce(with_deadline.supplement_count, 0) > 1 then false
            {% endif %}
            when with_deadline.appointment_at is null then true
            when with_deadline.finished_at is null then null
            else with_deadline.finished_at <= with_deadline.deadline_at
        end as is_finished_on_time
    from with_deadline

)

select
    judged.*,
    (select max(loaded_at) from manifest) as refreshed_through,
    {% if is_incremental() %}
    -- the first moment from which the measures can differ between the previous version and this one: a new
    -- dossier, or a change of what counts it where (receipt, channel, fee, payment, digitisation, unit,
    -- agency, procedure, deadline): from its receipt; a change of its ending only: from that ending; no change
    -- the measures read (e.g. another export of an open dossier): null
    case
        when previous.dossier_code is null then judged.received_at
        when judged.received_at is distinct from previous.received_at
            or judged.channel is distinct from previous.channel
            or judged.fee_amount is distinct from previous.fee_amount
            or judged.online_payment is distinct from previous.online_payment
            or judged.has_digitised_components is distinct from previous.has_digitised_components
            or judged.unit_code is distinct from previous.unit_code
            or judged.unit_valid_from is distinct from previous.unit_valid_from
            or judged.agency_code is distinct from previous.agency_code
            or judged.procedure_code is distinct from previous.procedure_code
            or judged.supplement_count is distinct from previous.supplement_count
            or judged.deadline_at is distinct from previous.deadline_at
            then least(judged.received_at, previous.received_at)
        when judged.finished_at is distinct from previous.finished_at
            or judged.is_finished_on_time is distinct from previous.is_finished_on_time
            then least(
                coalesce(judged.finished_at, previous.finished_at),
                coalesce(previous.finished_at, judged.finished_at)
            )
    end as recompute_from,
    -- the same for what is counted by receipt only (online dossiers by procedure)
    case
        when previous.dossier_code is null then judged.received_at
        when judged.received_at is distinct from previous.received_at
            or judged.channel is distinct from previous.channel
            or judged.unit_code is distinct from previous.unit_code
            or judged.unit_valid_from is distinct from previous.unit_valid_from
            or judged.agency_code is distinct from previous.agency_code
            or judged.procedure_code is distinct from previous.procedure_code
            then least(judged.received_at, previous.received_at)
    end as recompute_received_from
    {% else %}
    judged.received_at as recompute_from,
    judged.received_at as recompute_received_from
    {% endif %}
from judged
{% if is_incremental() %}
left join previous
    on judged.dossier_code = previous.dossier_code
{% endif %}
