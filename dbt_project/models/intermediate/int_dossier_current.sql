-- One row per dossier: its row in the latest export (period_month) = its current state, attributed to the
-- province whose agency prefix matches the dossier's agency identifier on the day it was received, with the
-- 766 on-time rule for finished dossiers.
with

dossier_rows as (

    select * from {{ ref('stg_motcua__dossier') }}

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

)

select
    with_deadline.*,
    case
        when not is_finished then null
        -- stopped, refused and withdrawn count as resolved on time (Biểu 06 convention, FORMATS §2)
        when status in ('stopped', 'refused', 'withdrawn') then true
        {% if var('chiso_late_if_multiple_supplements') %}
        when coalesce(supplement_count, 0) > 1 then false
        {% endif %}
        when appointment_at is null then true
        when finished_at is null then null
        else finished_at <= deadline_at
    end as is_finished_on_time
from with_deadline
