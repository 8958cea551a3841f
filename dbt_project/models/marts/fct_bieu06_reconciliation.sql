-- Biểu 06 versus our own dossier counts: one row per printed Biểu 06 total row (reporting unit × month), the
-- printed figures beside the same figures counted from the dossier exports (int_dossier_current: each
-- dossier's latest state), and the difference (printed − ours). Printed totals are never loaded as units
-- (DOMAIN §2.2); they are kept to reconcile.
--
-- The reporting unit ("UBND tỉnh Cao Bằng") is matched to the province (ref_provinces) valid in the month whose
-- name has the same name key (macro chiso_name_key: "cao bang"); its agency prefix is the reporting agency's
-- identifier. No match = our counts stay null.
-- Our counts, for the province's own dossiers (not its successor series: a report covers its own agencies):
--   received_new_online  received in the month, channel 2
--   received_new_other   received in the month, counter or post
--   received_carried_over received before the month and not finished before it
--   received_total       (4) + (5) + (6)
--   resolved_total       finished in the month (done, returned, stopped, refused, withdrawn)
--   pending_total        received before the month's end and not finished by it
--   resolved_in_time     finished in the month on time by the 766 rule (Biểu 06 columns 8 + 9, early + on time)
--   resolved_late        finished in the month late (column 10)
--   pending_within_deadline / pending_overdue  open at the month's end, deadline not passed / passed (12, 13)
-- Every column is compared; differing_columns names those that differ and likely_cause the likeliest reason:
--   dossier_coverage  received or resolved totals differ beyond the carried-over column: the exports and the form
--                     do not hold the same dossiers
--   carried_over      only the carried-over column (and what follows from it: received and pending totals)
--                     differs: dossiers received before the month that the exports do not hold as open
--   channel           totals agree, online versus counter/post differs: the channel is classified differently
--   on_time_rule      totals agree, the on-time split (8-10, 12, 13) differs: the printed form judges against the
--                     appointment alone, 766 adds back the supplement wait and counts more than one supplement
--                     request as late
{#- the compared figures: printed_<m>, computed_<m> and diff_<m> (printed − ours) for each -#}
{%- set compared_measures = ['received_total', 'received_new_online', 'received_new_other', 'received_carried_over',
    'resolved_total', 'pending_total', 'resolved_in_time', 'resolved_late', 'pending_within_deadline',
    'pending_overdue'] %}
with

bieu06 as (

    select * from {{ ref('stg_motcua__bieu06') }}
    where row_kind = 'total'

),

provinces as (

    select
        unit_code,
        unit_valid_from,
        unit_valid_to,
        agency_prefix,
        {{ chiso_name_key('unit_name') }} as name_key
    from {{ ref('int_admin_units') }}

),

reports as (

    select
        bieu06.*,
        {{ chiso_add_days(1, 'bieu06.period_end') }} as period_end_exclusive,
        provinces.unit_code,
        provinces.unit_valid_from,
        provinces.agency_prefix as reporting_agency_code,
        row_number() over (
            partition by bieu06.batch_id, bieu06.source_row
            order by provinces.unit_valid_from desc
        ) as match_rank
    from bieu06
    left join provinces
        on {{ chiso_name_key('bieu06.reporting_unit') }} = provinces.name_key
        and bieu06.period_start >= provinces.unit_valid_from
        and bieu06.period_start <= coalesce(provinces.unit_valid_to, cast('9999-12-31' as date))

),

matched as (

    select
        reports.*,
        reports.period_start = cast({{ dbt.date_trunc('month', 'reports.period_start') }} as date)
            and reports.period_end_exclusive = cast({{ dbt.dateadd('month', 1, 'reports.period_start') }} as date)
            as is_calendar_month
    from reports
    where match_rank = 1

),

month_measures as (

    select * from {{ ref('int_dossier_month_measures') }}
    where attribution = 'province'

),

ours_monthly as (

    -- a calendar-month report: the monthly counts (in scope = finished in the month + open at its end)
    select
        matched.batch_id,
        matched.source_row,
        month_measures.n_received_online as received_new_online,
        month_measures.n_received - month_measures.n_received_online as received_new_other,
        month_measures.n_finished + month_measures.n_open_at_end - month_measures.n_received as received_carried_over,
        month_measures.n_finished as resolved_total,
        month_measures.n_open_at_end as pending_total,
        month_measures.n_finished_on_time as resolved_in_time,
        month_measures.n_finished - month_measures.n_finished_on_time as resolved_late,
        month_measures.n_open_at_end_on_time as pending_within_deadline,
        month_measures.n_open_at_end - month_measures.n_open_at_end_on_time as pending_overdue
    from matched
    inner join month_measures
        on month_measures.unit_code = matched.unit_code
        and month_measures.unit_valid_from = matched.unit_valid_from
        and month_measures.month_start = matched.period_start
    where matched.is_calendar_month

),

dossiers as (

    select * from {{ ref('int_dossier_current') }}
    where unit_code is not null
        and received_at is not null

),

ours_scanned as (

    -- a report over another span (e.g. the 15th to the 14th): counted from the dossiers themselves

    select
        matched.batch_id,
        matched.source_row,
        sum(case when dossiers.received_at >= matched.period_start and dossiers.channel = 2 then 1 else 0 end)
            as received_new_online,
        sum(case when dossiers.received_at >= matched.period_start and coalesce(dossiers.channel, 1) <> 2 then 1 else 0 end)
            as received_new_other,
        sum(case when dossiers.received_at < matched.period_start then 1 else 0 end) as received_carried_over,
        sum(
            case
                when dossiers.finished_at >= matched.period_start
                    and dossiers.finished_at < matched.period_end_exclusive
                    then 1
                else 0
            end
        ) as resolved_total,
        sum({{ chiso_open_at('dossiers', 'matched.period_end_exclusive') }}) as pending_total,
        sum(
            case
                when dossiers.finished_at >= matched.period_start
                    and dossiers.finished_at < matched.period_end_exclusive
                    and dossiers.is_finished_on_time
                    then 1
                else 0
            end
        ) as resolved_in_time,
        sum(
            case
                when dossiers.finished_at >= matched.period_start
                    and dossiers.finished_at < matched.period_end_exclusive
                    and not dossiers.is_finished_on_time
                    then 1
                else 0
            end
        ) as resolved_late,
        -- open at the period's end: within deadline as in int_dossier_month_measures (the same macros)
        sum({{ chiso_open_within_deadline('dossiers', 'matched.period_end_exclusive') }}) as pending_within_deadline,
        sum({{ chiso_open_at('dossiers', 'matched.period_end_exclusive') }})
            - sum({{ chiso_open_within_deadline('dossiers', 'matched.period_end_exclusive') }}) as pending_overdue
    from matched
    inner join dossiers
        on dossiers.unit_code = matched.unit_code
        and dossiers.unit_valid_from = matched.unit_valid_from
        -- in the report's scope: received before the month's end and not finished before its start
        and dossiers.received_at < matched.period_end_exclusive
        and (dossiers.finished_at is null or dossiers.finished_at >= matched.period_start)
    where not matched.is_calendar_month
    group by matched.batch_id, matched.source_row

),

ours as (

    select * from ours_monthly
    union all
    select * from ours_scanned

),

final as (

    select
        matched.period_start,
        matched.period_end,
        matched.reporting_unit,
        matched.reporting_agency_code,
        matched.unit_code,
        matched.unit_valid_from,
        matched.unit_code is not null as is_unit_matched,

        -- printed (Biểu 06 columns 3, 4, 5, 6, 7, 11)
        matched.received_total as printed_received_total,
        matched.received_new_online as printed_received_new_online,
        matched.received_new_counter_postal as printed_received_new_other,
        matched.received_carried_over as printed_received_carried_over,
        matched.resolved_total as printed_resolved_total,
        matched.pending_total as printed_pending_total,
        -- printed on-time split (columns 8, 9, 10, 12, 13)
        matched.resolved_early as printed_resolved_early,
        matched.resolved_on_time as printed_resolved_on_time,
        matched.resolved_early + matched.resolved_on_time as printed_resolved_in_time,
        matched.resolved_late as printed_resolved_late,
        matched.pending_within_deadline as printed_pending_within_deadline,
        matched.pending_overdue as printed_pending_overdue,

        -- ours (0 when the unit matched but no dossier is in scope; null when the unit did not match)
        case when matched.unit_code is not null
            then coalesce(ours.received_new_online, 0) + coalesce(ours.received_new_other, 0)
                + coalesce(ours.received_carried_over, 0)
        end as computed_received_total,
        {%- for m in compared_measures if m != 'received_total' %}
        case when matched.unit_code is not null then coalesce(ours.{{ m }}, 0) end as computed_{{ m }},
        {%- endfor %}

        -- lineage
        matched.batch_id,
        matched.source_file,
        matched.source_row
    from matched
    left join ours
        on matched.batch_id = ours.batch_id
        and matched.source_row = ours.source_row

),

compared as (

    select
        final.*,
        nullif(concat_ws(', ',
            {%- for m in compared_measures %}
            case when printed_{{ m }} <> computed_{{ m }} then '{{ m }}' end{{ ',' if not loop.last }}
            {%- endfor %}
        ), '') as differing_columns
    from final

)

select
    period_start,
    period_end,
    reporting_unit,
    reporting_agency_code,
    unit_code,
    unit_valid_from,
    is_unit_matched,
    {%- for m in compared_measures %}
    {%- if m == 'resolved_in_time' %}
    cast(printed_resolved_early as {{ dbt.type_bigint() }}) as printed_resolved_early,
    cast(printed_resolved_on_time as {{ dbt.type_bigint() }}) as printed_resolved_on_time,
    {%- endif %}
    cast(printed_{{ m }} as {{ dbt.type_bigint() }}) as printed_{{ m }},
    cast(computed_{{ m }} as {{ dbt.type_bigint() }}) as computed_{{ m }},
    cast(printed_{{ m }} - computed_{{ m }} as {{ dbt.type_bigint() }}) as diff_{{ m }},
    {%- endfor %}
    case
        when computed_received_total is null then 'unit_not_matched'
        when differing_columns is null then 'match'
        else 'differs'
    end as reconciliation_status,
    cast(differing_columns as {{ dbt.type_string() }}) as differing_columns,
    cast(
        case
            when computed_received_total is null then null
            when differing_columns is null then null
            when printed_received_new_online + printed_received_new_other
                <> computed_received_new_online + computed_received_new_other
                or printed_resolved_total <> computed_resolved_total
                then 'dossier_coverage'
            when printed_received_carried_over <> computed_received_carried_over then 'carried_over'
            when printed_received_new_online <> computed_received_new_online then 'channel'
            else 'on_time_rule'
        end as {{ dbt.type_string() }}
    ) as likely_cause,
    batch_id,
    source_file,
    source_row
from compared
