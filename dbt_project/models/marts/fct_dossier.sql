{{ config(materialized='view') }}
-- One row per dossier in its latest state, without personal data, with the 766 on-time rule. A view over the
-- one materialised copy of the dossiers' state (int_dossier_latest, through the views int_dossier_judged and
-- int_dossier_current) and two small tables (the batches' receipt times, the units' current series): writing
-- the two million rows again as a table took a fifth of a from-scratch build and every incremental build
-- rewrote the changed ones twice; a reader's filter reaches int_dossier_latest directly.
with

dossiers as (

    select * from {{ ref('int_dossier_current') }}

),

manifest as (

    select batch_id, max(received_at) as batch_received_at
    from {{ ref('stg_loader__landing_manifest') }}
    group by batch_id

),

current_series as (

    select
        members.member_unit_code,
        members.member_unit_valid_from,
        members.unit_code as current_unit_code,
        members.unit_valid_from as current_unit_valid_from
    from {{ ref('int_unit_series_members') }} as members
    inner join {{ ref('int_unit_series') }} as series
        on members.unit_code = series.unit_code
        and members.unit_valid_from = series.unit_valid_from
    where series.unit_valid_to is null

)

select
    -- ids
    dossiers.dossier_code,
    dossiers.procedure_code,
    dossiers.field_code,
    dossiers.agency_code,
    dossiers.unit_code as reported_unit_code,
    dossiers.unit_valid_from as reported_unit_valid_from,
    current_series.current_unit_code,
    current_series.current_unit_valid_from,

    -- attributes
    dossiers.channel,
    dossiers.channel = 2 as is_online,
    dossiers.status,
    dossiers.is_finished,
    dossiers.is_finished_on_time,
    case
        when dossiers.is_finished and dossiers.is_finished_on_time then 'finished_on_time'
        when dossiers.is_finished and not dossiers.is_finished_on_time then 'finished_late'
        when dossiers.is_finished then 'finished_unknown'
        when dossiers.deadline_at is null
            or dossiers.deadline_at >= cast({{ dbt.dateadd('month', 1, 'dossiers.period_month') }} as {{ dbt.type_timestamp() }})
            then 'open_within_deadline'
        else 'open_overdue'
    end as timeliness,
    dossiers.supplement_count,
    dossiers.supplement_wait_days,
    dossiers.fee_amount,
    dossiers.fee_amount > 0 as is_fee_bearing,
    dossiers.online_payment,
    dossiers.online_payment in (1, 2) as is_paid_online,
    dossiers.has_digitised_components,
    dossiers.has_electronic_result,
    dossiers.vneid_verified,

    -- timestamps
    dossiers.received_at,
    dossiers.appointment_at,
    dossiers.deadline_at,
    dossiers.finished_at,
    dossiers.updated_at,

    -- lineage
    dossiers.first_period_month,
    dossiers.period_month as last_period_month,
    dossiers.export_row_count,
    dossiers.batch_id,
    manifest.batch_received_at,
    dossiers.refreshed_through
from dossiers
left join manifest
    on dossiers.batch_id = manifest.batch_id
left join current_series
    on dossiers.unit_code = current_series.member_unit_code
    and dossiers.unit_valid_from = current_series.member_unit_valid_from
