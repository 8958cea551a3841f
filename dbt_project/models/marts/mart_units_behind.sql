-- Units and KPIs behind their target, worst first: for every current unit (not ended) × KPI × period type
-- (provinces, and the communes and departments below them when a target applies to them),
-- its latest period with a value and a target, kept when off_track or at_risk. Worst = off_track before
-- at_risk, then the largest shortfall from the straight path to the target.
with

progress as (

    select * from {{ ref('mart_kpi_progress') }}
    where unit_valid_to is null
        and actual is not null
        and target_value is not null

),

latest as (

    select
        progress.*,
        row_number() over (
            partition by unit_code, unit_valid_from, kpi_code, period_type
            order by period_start desc
        ) as recency_rank
    from progress

),

behind as (

    select
        latest.*,
        case when direction = 'decrease' then expected_on_path - actual else actual - expected_on_path end
            as gap_to_path
    from latest
    where recency_rank = 1
        and status in ('off_track', 'at_risk')

)

select
    cast(row_number() over (
        order by
            case status when 'off_track' then 0 else 1 end,
            gap_to_path,
            gap_to_target,
            unit_code,
            kpi_code,
            period_type
    ) as integer) as severity_rank,
    unit_code,
    unit_valid_from,
    unit_name,
    unit_level,
    unit_kind,
    parent_unit_code,
    is_successor_series,
    kpi_code,
    kpi_name_vi,
    kpi_name_en,
    period_type,
    period_start,
    period_end,
    actual,
    target_value,
    target_year,
    target_legal_basis,
    target_confidence,
    expected_on_path,
    {{ chiso_round('gap_to_path') }} as gap_to_path,
    gap_to_target,
    attainment_pct,
    status,
    projected_at_horizon,
    monthly_improvement_needed
from behind
