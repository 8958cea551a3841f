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
-- Tracks what changed: one row per dossier with the values the monthly counts read (province, agency,
-- procedure, channel, fee, payment, digitisation, supplements, receipt, deadline, end, on-time flag; from
-- int_dossier_current) as of the last build, and from when the counts can differ since the previous build
-- (recompute_from; recompute_received_from for what is counted by receipt only). int_dossier_month_measures
-- and int_dossier_online_month read it and rebuild only the months from there (macro chiso_recompute_from).
--
-- Incremental: a run reads the dossiers int_dossier_latest rewrote since this table's watermark
-- (refreshed_through) and compares each with its previous row here. Rows of batches no longer loaded are
-- deleted (post-hook), like int_dossier_latest's.
with

current_dossiers as (

    select
        dossier_code,
        batch_id,
        unit_code,
        unit_valid_from,
        agency_code,
        procedure_code,
        channel,
        fee_amount,
        online_payment,
        has_digitised_components,
        supplement_count,
        received_at,
        deadline_at,
        finished_at,
        is_finished_on_time,
        refreshed_through
    from {{ ref('int_dossier_current') }}
    {% if is_incremental() %}
    where refreshed_through > {{ chiso_watermark() }}
    {% endif %}

){% if is_incremental() %},

previous as (

    select *
    from {{ this }}
    where dossier_code in (select dossier_code from current_dossiers)

){% endif %}

select
    current_dossiers.*,
    {% if is_incremental() %}
    -- the first moment from which the counts can differ between the previous version and this one: a new
    -- dossier, or a change of what counts it where (receipt, channel, fee, payment, digitisation, unit,
    -- agency, procedure, deadline): from its receipt; a change of its ending only: from that ending; no change
    -- the counts read (e.g. another export of an open dossier): null
    case
        when previous.dossier_code is null then current_dossiers.received_at
        when current_dossiers.received_at is distinct from previous.received_at
            or current_dossiers.channel is distinct from previous.channel
            or current_dossiers.fee_amount is distinct from previous.fee_amount
            or current_dossiers.online_payment is distinct from previous.online_payment
            or current_dossiers.has_digitised_components is distinct from previous.has_digitised_components
            or current_dossiers.unit_code is distinct from previous.unit_code
            or current_dossiers.unit_valid_from is distinct from previous.unit_valid_from
            or current_dossiers.agency_code is distinct from previous.agency_code
            or current_dossiers.procedure_code is distinct from previous.procedure_code
            or current_dossiers.supplement_count is distinct from previous.supplement_count
            or current_dossiers.deadline_at is distinct from previous.deadline_at
            then least(current_dossiers.received_at, previous.received_at)
        when current_dossiers.finished_at is distinct from previous.finished_at
            or current_dossiers.is_finished_on_time is distinct from previous.is_finished_on_time
            then least(
                coalesce(current_dossiers.finished_at, previous.finished_at),
                coalesce(previous.finished_at, current_dossiers.finished_at)
            )
    end as recompute_from,
    -- the same for what is counted by receipt only (online dossiers by procedure)
    case
        when previous.dossier_code is null then current_dossiers.received_at
        when current_dossiers.received_at is distinct from previous.received_at
            or current_dossiers.channel is distinct from previous.channel
            or current_dossiers.unit_code is distinct from previous.unit_code
            or current_dossiers.unit_valid_from is distinct from previous.unit_valid_from
            or current_dossiers.agency_code is distinct from previous.agency_code
            or current_dossiers.procedure_code is distinct from previous.procedure_code
            then least(current_dossiers.received_at, previous.received_at)
    end as recompute_received_from
    {% else %}
    current_dossiers.received_at as recompute_from,
    current_dossiers.received_at as recompute_received_from
    {% endif %}
from current_dossiers
{% if is_incremental() %}
left join previous
    on current_dossiers.dossier_code = previous.dossier_code
{% endif %}
