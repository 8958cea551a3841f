-- Progress versus target: one row per unit (series) x KPI x period (month, quarter, year).
-- actual is a percentage on the 0-100 scale rounded to 2 decimals (100 * numerator / denominator).
-- Units: provinces (with their whole predecessors' history) and, below them, the units the agencies learned from
-- the data map to (int_agency_units): communes (from July 2025), old districts (before July 2025, their own
-- historical units)
-- and provincial departments (unit_level 'department', unit_kind 'agency', keyed by agency code).
{%- set straight_path -%}
    baseline_value + (target_value - baseline_value) * least(1.0, greatest(0.0,
        1.0 * {{ dbt.datediff('baseline_date', 'period_end', 'day') }}
        / {{ dbt.datediff('baseline_date', 'target_horizon_date', 'day') }}
    ))
{%- endset %}

with

measures as (

    select * from {{ ref('int_kpi_measures') }}

),

series as (

    select * from {{ ref('int_unit_series') }}

),

kpis as (

    select * from {{ ref('kpi_catalogue') }}

),

series_coverage as (

    -- the first day a series has data for: its earliest member (a predecessor that passed into it whole, or a
    -- department's earlier version)
    select unit_code, unit_valid_from, min(attributed_unit_valid_from) as covered_from
    from {{ ref('int_unit_attribution') }}
    group by unit_code, unit_valid_from

),

selected_targets as (

    select * from {{ ref('int_kpi_targets_applicable') }}

),

targets as (

    -- the seed's and the plans' targets (int_kpi_targets): where each target came from travels with it
    select * from {{ ref('int_kpi_targets') }}

),

base as (

    select
        measures.unit_code,
        measures.unit_valid_from,
        series.unit_valid_to,
        series.unit_name,
        series.unit_level,
        series.unit_kind,
        series.parent_unit_code,
        series.parent_unit_valid_from,
        series.is_successor_series,
        series.member_unit_count,
        measures.kpi_code,
        kpis.kpi_name_vi,
        kpis.kpi_name_en,
        kpis.kpi_unit,
        kpis.direction,
        measures.period_type,
        measures.period_start,
        measures.period_end,
        measures.period_year,
        -- a period the series does not cover whole (it began or ended within it: Bắc Kạn's 2025 runs
        -- January to June) is partial, and never complete
        (series_coverage.covered_from > measures.period_start
            or series.unit_valid_to < measures.period_end) as is_partial_period,
        case
            when series_coverage.covered_from > measures.period_start then series_coverage.covered_from
            else measures.period_start
        end as covered_from,
        case
            when series.unit_valid_to < measures.period_end then series.unit_valid_to
            else measures.period_end
        end as covered_to,
        measures.is_period_complete
            and not coalesce(series_coverage.covered_from > measures.period_start
                or series.unit_valid_to < measures.period_end, false) as is_period_complete,
        measures.numerator,
        measures.denominator,
        {{ chiso_pct('measures.numerator', 'measures.denominator') }} as actual,
        targets.target_id,
        targets.target_value,
        targets.comparator as target_comparator,
        targets.horizon_date as target_horizon_date,
        cast(extract(year from targets.horizon_date) as integer) as target_year,
        targets.scope as target_scope,
        targets.legal_basis_document as target_legal_basis,
        targets.legal_basis_date as target_legal_basis_date,
        targets.legal_basis_article as target_legal_basis_article,
        targets.is_verified as target_is_verified,
        targets.confidence as target_confidence,
        targets.baseline_value as target_baseline_value,
        targets.baseline_date as target_baseline_date,
        targets.target_source,
        targets.legal_basis_issuer as target_legal_basis_issuer,
        targets.source_file as target_source_file,
        targets.version_valid_from as target_valid_from,
        targets.version_valid_to as target_valid_to,
        targets.inherited_from_unit_code as target_inherited_from_unit_code
    from measures
    inner join series
        on measures.unit_code = series.unit_code
        and measures.unit_valid_from = series.unit_valid_from
    inner join kpis
        on measures.kpi_code = kpis.kpi_code
    inner join series_coverage
        on measures.unit_code = series_coverage.unit_code
        and measures.unit_valid_from = series_coverage.unit_valid_from
    left join selected_targets
        on measures.unit_code = selected_targets.unit_code
        and measures.unit_valid_from = selected_targets.unit_valid_from
        and measures.kpi_code = selected_targets.kpi_code
        and measures.period_type = selected_targets.period_type
        and measures.period_start = selected_targets.period_start
    left join targets
        on selected_targets.target_id = targets.target_id

),

first_observed as (

    -- the unit's first monthly value of the KPI resting on at least var('chiso_baseline_min_denominator')
    -- cases (the same baseline for month, quarter and year rows): 1 of 1 dossier is no baseline
    select
        unit_code,
        unit_valid_from,
        kpi_code,
        actual as first_actual,
        period_end as first_period_end
    from (
        select
            base.*,
            row_number() over (
                partition by unit_code, unit_valid_from, kpi_code
                order by period_start
            ) as observation_rank
        from base
        where actual is not null
            and period_type = 'month'
            and denominator >= {{ var('chiso_baseline_min_denominator') }}
    ) as observed
    where observation_rank = 1

),

with_baseline as (

    -- baseline, first that applies (dbt_project/README.md, Baseline):
    --   target_seed            the target's own baseline, when the target was set for this unit (a unit target,
    --                          or a province target on the province itself)
    --   first_observed         the unit's first month with enough volume (first_observed above)
    --   parent_first_observed  else its parent unit's (the province of a commune or department)
    --   target_seed_fallback   else the target's own baseline, set for a wider scope
    -- and none otherwise (no path: the unit is judged against the target alone)
    select
        base.*,
        case
            when base.target_id is null then null
            when base.target_baseline_value is not null
                and (base.target_scope = 'unit' or (base.target_scope = 'province' and base.unit_level = 'province'))
                then 'target_seed'
            when first_observed.first_actual is not null then 'first_observed'
            when parent_first.first_actual is not null then 'parent_first_observed'
            when base.target_baseline_value is not null then 'target_seed_fallback'
        end as baseline_source,
        {{ chiso_month_index('base.period_end') }} as period_month_index,
        case
            when base.target_horizon_date is not null
                then {{ chiso_month_index('base.target_horizon_date') }} - {{ chiso_month_index('base.period_end') }}
        end as months_to_horizon,
        first_observed.first_actual as own_baseline_value,
        first_observed.first_period_end as own_baseline_date,
        parent_first.first_actual as parent_baseline_value,
        parent_first.first_period_end as parent_baseline_date
    from base
    left join first_observed
        on base.unit_code = first_observed.unit_code
        and base.unit_valid_from = first_observed.unit_valid_from
        and base.kpi_code = first_observed.kpi_code
    left join first_observed as parent_first
        on base.parent_unit_code = parent_first.unit_code
        and base.parent_unit_valid_from = parent_first.unit_valid_from
        and base.kpi_code = parent_first.kpi_code

),

with_baseline_value as (

    select
        with_baseline.*,
        case baseline_source
            when 'target_seed' then target_baseline_value
            when 'first_observed' then own_baseline_value
            when 'parent_first_observed' then parent_baseline_value
            when 'target_seed_fallback' then target_baseline_value
        end as baseline_value,
        case baseline_source
            when 'target_seed' then target_baseline_date
            when 'first_observed' then own_baseline_date
            when 'parent_first_observed' then parent_baseline_date
            when 'target_seed_fallback' then target_baseline_date
        end as baseline_date
    from with_baseline

),

with_trend as (

    select
        with_baseline_value.*,
        -- least-squares slope per month over the last chiso_trend_periods periods (at least 2 values)
        case
            when count(actual) over trend_window >= 2
                then regr_slope(actual, period_month_index) over trend_window
        end as trend_slope_raw,
        -- straight path from (baseline_date, baseline_value) to (horizon, target), never asking more than the
        -- target: a baseline already past the target gives the target itself as the path
        case
            when target_value is null or baseline_value is null or baseline_date is null then null
            when baseline_date >= target_horizon_date then target_value
            when direction = 'decrease' then greatest(target_value, {{ straight_path }})
            else least(target_value, {{ straight_path }})
        end as expected_raw
    from with_baseline_value
    window trend_window as (
        partition by unit_code, unit_valid_from, kpi_code, period_type
        order by period_start
        rows between {{ var('chiso_trend_periods') - 1 }} preceding and current row
    )

),

judged as (

    select
        with_trend.*,
        case
            when target_value is null or actual is null then null
            when target_comparator = '>' then actual > target_value
            when target_comparator = '<' then actual < target_value
            when target_comparator = '<=' then actual <= target_value
            when target_comparator = '=' then actual = target_value
            else actual >= target_value
        end as is_achieved,
        case when direction = 'decrease' then -1 else 1 end as direction_sign
    from with_trend

),

final as (

    select
        unit_code,
        unit_valid_from,
        unit_valid_to,
        unit_name,
        unit_level,
        unit_kind,
        parent_unit_code,
        parent_unit_valid_from,
        is_successor_series,
        cast(member_unit_count as integer) as member_unit_count,
        kpi_code,
        kpi_name_vi,
        kpi_name_en,
        kpi_unit,
        direction,
        period_type,
        period_start,
        period_end,
        period_year,
        is_period_complete,
        coalesce(is_partial_period, false) as is_partial_period,
        covered_from,
        covered_to,
        numerator,
        denominator,
        actual,
        target_id,
        target_value,
        target_comparator,
        target_horizon_date,
        target_year,
        target_scope,
        target_legal_basis,
        target_legal_basis_date,
        target_legal_basis_article,
        target_is_verified,
        target_confidence,
        target_source,
        target_legal_basis_issuer,
        target_source_file,
        target_valid_from,
        target_valid_to,
        target_inherited_from_unit_code,
        {{ chiso_round('baseline_value') }} as baseline_value,
        baseline_date,
        baseline_source,
        {{ chiso_round('expected_raw') }} as expected_on_path,
        case
            when actual is null or target_value is null then null
            when direction = 'decrease' then
                case when actual > 0 then {{ chiso_round('100.0 * target_value / actual') }} end
            when target_value > 0 then {{ chiso_round('100.0 * actual / target_value') }}
        end as attainment_pct,
        {{ chiso_round('direction_sign * (actual - target_value)') }} as gap_to_target,
        case
            when target_value is null then 'no_target'
            when actual is null then 'no_data'
            when is_achieved then 'achieved'
            when expected_raw is null then 'off_track'
            when direction_sign * (actual - expected_raw) >= 0 then 'on_track'
            when direction_sign * (actual - expected_raw) >= -{{ var('chiso_at_risk_band_pp') }} then 'at_risk'
            else 'off_track'
        end as status,
        {{ chiso_round('trend_slope_raw', 4) }} as trend_slope_per_month,
        months_to_horizon,
        case
            when target_value is null or actual is null or trend_slope_raw is null then null
            when kpi_unit = 'percent' then
                {{ chiso_round('least(100.0, greatest(0.0, actual + trend_slope_raw * months_to_horizon))') }}
            else {{ chiso_round('actual + trend_slope_raw * months_to_horizon') }}
        end as projected_at_horizon,
        case
            when target_value is null or actual is null then null
            when is_achieved then cast(0 as {{ chiso_exact(2) }})
            when months_to_horizon > 0
                then {{ chiso_round('abs(target_value - actual) / months_to_horizon') }}
        end as monthly_improvement_needed
    from judged

)

select * from final
