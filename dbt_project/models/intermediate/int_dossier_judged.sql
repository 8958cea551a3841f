{{ config(materialized='view') }}
-- Each dossier's latest state (int_dossier_latest) judged by the 766 rule (docs/DOMAIN.md §3.2): finished =
-- done, returned, stopped, refused or withdrawn, at completed_at; deadline = appointment + the days spent
-- waiting for a supplement; finished on time when the end is not after the deadline; stopped, refused and
-- withdrawn count as on time (Biểu 06 convention), and so does a dossier without appointment; open dossiers
-- have no on-time flag (the monthly counts judge them at each period's end). A view: a row-by-row projection,
-- so a reader's filter (e.g. on refreshed_through) reaches int_dossier_latest directly.
with

with_deadline as (

    select
        latest.*,
        latest.status in ('done', 'returned', 'stopped', 'refused', 'withdrawn') as is_finished,
        case
            when latest.status in ('done', 'returned', 'stopped', 'refused', 'withdrawn')
                then latest.completed_at
        end as finished_at,
        {{ chiso_add_fractional_days('latest.appointment_at', 'latest.supplement_wait_days') }} as deadline_at
    from {{ ref('int_dossier_latest') }} as latest

)

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
