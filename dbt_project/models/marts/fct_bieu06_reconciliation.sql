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
        month_measures.n_open_at_end as pending_total
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
        sum(
            case
                when dossiers.finished_at is null or dossiers.finished_at >= matched.period_end_exclusive then 1
                else 0
            end
        ) as pending_total
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

        -- ours (0 when the unit matched but no dossier is in scope; null when the unit did not match)
        case when matched.unit_code is not null
            then coalesce(ours.received_new_online, 0) + coalesce(ours.received_new_other, 0)
                + coalesce(ours.received_carried_over, 0)
        end as computed_received_total,
        case when matched.unit_code is not null then coalesce(ours.received_new_online, 0) end
            as computed_received_new_online,
        case when matched.unit_code is not null then coalesce(ours.received_new_other, 0) end
            as computed_received_new_other,
        case when matched.unit_code is not null then coalesce(ours.received_carried_over, 0) end
            as computed_received_carried_over,
        case when matched.unit_code is not null then coalesce(ours.resolved_total, 0) end as computed_resolved_total,
        case when matched.unit_code is not null then coalesce(ours.pending_total, 0) end as computed_pending_total,

        -- lineage
        matched.batch_id,
        matched.source_file,
        matched.source_row
    from matched
    left join ours
        on matched.batch_id = ours.batch_id
        and matched.source_row = ours.source_row

)

select
    period_start,
    period_end,
    reporting_unit,
    reporting_agency_code,
    unit_code,
    unit_valid_from,
    is_unit_matched,
    cast(printed_received_total as {{ dbt.type_bigint() }}) as printed_received_total,
    cast(computed_received_total as {{ dbt.type_bigint() }}) as computed_received_total,
    cast(printed_received_total - computed_received_total as {{ dbt.type_bigint() }}) as diff_received_total,
    cast(printed_received_new_online as {{ dbt.type_bigint() }}) as printed_received_new_online,
    cast(computed_received_new_online as {{ dbt.type_bigint() }}) as computed_received_new_online,
    cast(printed_received_new_online - computed_received_new_online as {{ dbt.type_bigint() }})
        as diff_received_new_online,
    cast(printed_received_new_other as {{ dbt.type_bigint() }}) as printed_received_new_other,
    cast(computed_received_new_other as {{ dbt.type_bigint() }}) as computed_received_new_other,
    cast(printed_received_new_other - computed_received_new_other as {{ dbt.type_bigint() }})
        as diff_received_new_other,
    cast(printed_received_carried_over as {{ dbt.type_bigint() }}) as printed_received_carried_over,
    cast(computed_received_carried_over as {{ dbt.type_bigint() }}) as computed_received_carried_over,
    cast(printed_received_carried_over - computed_received_carried_over as {{ dbt.type_bigint() }})
        as diff_received_carried_over,
    cast(printed_resolved_total as {{ dbt.type_bigint() }}) as printed_resolved_total,
    cast(computed_resolved_total as {{ dbt.type_bigint() }}) as computed_resolved_total,
    cast(printed_resolved_total - computed_resolved_total as {{ dbt.type_bigint() }}) as diff_resolved_total,
    cast(printed_pending_total as {{ dbt.type_bigint() }}) as printed_pending_total,
    cast(computed_pending_total as {{ dbt.type_bigint() }}) as computed_pending_total,
    cast(printed_pending_total - computed_pending_total as {{ dbt.type_bigint() }}) as diff_pending_total,
    case
        when computed_received_total is null then 'unit_not_matched'
        when printed_received_total = computed_received_total
            and printed_received_new_online = computed_received_new_online
            and printed_received_new_other = computed_received_new_other
            and printed_received_carried_over = computed_received_carried_over
            and printed_resolved_total = computed_resolved_total
            and printed_pending_total = computed_pending_total
            then 'match'
        else 'differs'
    end as reconciliation_status,
    batch_id,
    source_file,
    source_row
from final
