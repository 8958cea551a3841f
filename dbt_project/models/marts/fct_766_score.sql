-- Published 766 group scores (authoritative, as published) per unit × group × period, with our
-- recomputation from the published counts and, for the progress group of a province, from our own dossiers
-- (20 × on_time_share ÷ 100); differences visible.
with

unit_scores as (

    select *
    from (
        select
            stg.*,
            row_number() over (
                partition by group_code, period_type, period_start, department_id
                order by captured_at desc nulls last, source_file desc, source_row desc
            ) as capture_rank
        from {{ ref('stg_dvc__766_unit') }} as stg
    ) as ranked
    where capture_rank = 1

),

recomputed as (

    select * from {{ ref('int_766_recomputed') }}

),

unit_match as (

    select
        unit_scores.group_code,
        unit_scores.period_type,
        unit_scores.period_start,
        unit_scores.department_id,
        province.unit_code,
        province.unit_valid_from
    from unit_scores
    inner join {{ ref('int_province_by_prefix') }} as province
        on province.agency_prefix = {{ chiso_agency_prefix('unit_scores.department_code') }}
        and unit_scores.period_start >= province.range_from
        and unit_scores.period_start < province.range_to

),

own_on_time as (

    select unit_code, unit_valid_from, period_type, period_start, numerator, denominator
    from {{ ref('int_kpi_measures') }}
    where kpi_code = 'on_time_share'

)

select
    -- ids
    unit_scores.group_code,
    unit_scores.period_type,
    unit_scores.period_start,
    unit_scores.period_end,
    unit_scores.department_id,
    unit_scores.department_code,
    unit_scores.root_department_code,
    unit_match.unit_code,
    unit_match.unit_valid_from,

    -- attributes
    unit_scores.department_name,
    unit_scores.department_type,
    unit_scores.department_level,
    unit_scores.is_root,

    -- published (authoritative)
    unit_scores.total_score as published_score,
    unit_scores.total_max_score as published_max_score,
    unit_scores.ratio_pct as published_ratio_pct,
    unit_scores.score_delta as published_score_delta,

    -- ours, beside it
    recomputed.recomputed_score,
    recomputed.recomputation_rule,
    {{ chiso_round('unit_scores.total_score - recomputed.recomputed_score') }} as recomputed_difference,
    case
        when unit_scores.group_code = 'dvc-progress-tree' and unit_scores.is_root and own_on_time.denominator > 0
            then {{ chiso_round('20.0 * own_on_time.numerator / own_on_time.denominator') }}
    end as own_data_score,
    case
        when unit_scores.group_code = 'dvc-progress-tree' and unit_scores.is_root and own_on_time.denominator > 0
            then {{ chiso_round('unit_scores.total_score - 20.0 * own_on_time.numerator / own_on_time.denominator') }}
    end as own_data_difference,

    -- lineage
    unit_scores.captured_at,
    unit_scores.batch_id
from unit_scores
left join recomputed
    on unit_scores.group_code = recomputed.group_code
    and unit_scores.period_type = recomputed.period_type
    and unit_scores.period_start = recomputed.period_start
    and unit_scores.department_id = recomputed.department_id
left join unit_match
    on unit_scores.group_code = unit_match.group_code
    and unit_scores.period_type = unit_match.period_type
    and unit_scores.period_start = unit_match.period_start
    and unit_scores.department_id = unit_match.department_id
left join own_on_time
    on unit_match.unit_code = own_on_time.unit_code
    and unit_match.unit_valid_from = own_on_time.unit_valid_from
    and unit_scores.period_type = own_on_time.period_type
    and unit_scores.period_start = own_on_time.period_start
