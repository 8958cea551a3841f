-- Units and KPIs behind their target, worst first: for every current unit (not ended) × KPI × period type
-- (provinces, and the communes and departments below them when a target applies to them), its latest period
-- with a value and a target, kept when off_track or at_risk AND the evidence supports it (dbt_project/README.md,
-- "Behind"): at least var('chiso_behind_min_denominator') cases, and for a percentage the Wilson score interval
-- (z = var('chiso_behind_wilson_z'), 1.96 = 95 %) of numerator ÷ denominator lies wholly on the wrong side of
-- the expected path (of the target where there is no path). 0 of 7 dossiers is noise, not a unit behind.
-- Worst = off_track before at_risk, then the largest shortfall from the path.
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

intervals as (

    select
        latest.*,
        coalesce(expected_on_path, target_value) as reference_value,
        {{ var('chiso_behind_wilson_z') }} * 1.0 as z
    from latest
    where recency_rank = 1

),

wilson as (

    -- Wilson score interval of the proportion numerator ÷ denominator, on the 0-100 scale
    select
        intervals.*,
        case
            when kpi_unit = 'percent' and denominator > 0 then 100.0 * (
                (1.0 * numerator / denominator + z * z / (2.0 * denominator))
                - z * sqrt(
                    (1.0 * numerator / denominator) * (1.0 - 1.0 * numerator / denominator) / denominator
                    + z * z / (4.0 * denominator * denominator)
                )
            ) / (1.0 + z * z / denominator)
        end as wilson_low_raw,
        case
            when kpi_unit = 'percent' and denominator > 0 then 100.0 * (
                (1.0 * numerator / denominator + z * z / (2.0 * denominator))
                + z * sqrt(
                    (1.0 * numerator / denominator) * (1.0 - 1.0 * numerator / denominator) / denominator
                    + z * z / (4.0 * denominator * denominator)
                )
            ) / (1.0 + z * z / denominator)
        end as wilson_high_raw
    from intervals

),

behind as (

    select
        wilson.*,
        case when direction = 'decrease' then reference_value - actual else actual - reference_value end
            as gap_to_path
    from wilson
    where status in ('off_track', 'at_risk')
        and denominator >= {{ var('chiso_behind_min_denominator') }}
        and (
            kpi_unit <> 'percent'
            or (direction = 'decrease' and wilson_low_raw > reference_value)
            or (direction <> 'decrease' and wilson_high_raw < reference_value)
        )

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
    numerator,
    denominator,
    actual,
    {{ chiso_round('wilson_low_raw') }} as wilson_low_pct,
    {{ chiso_round('wilson_high_raw') }} as wilson_high_pct,
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
