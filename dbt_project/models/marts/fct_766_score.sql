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

department_attributes as (

    -- what one group prints about a unit and another does not: the tree groups give departmentCode and the
    -- province root's code but no departmentType, transparency and satisfaction the reverse; a unit keeps its
    -- portal departmentId across groups, so each row borrows what its group leaves out
    select
        department_id,
        max(department_code) as department_code,
        max(root_department_code) as root_department_code,
        max(department_type) as department_type,
        max(department_level) as department_level
    from {{ ref('stg_dvc__766_unit') }}
    group by department_id

),

filled as (

    select
        unit_scores.group_code,
        unit_scores.period_type,
        unit_scores.period_start,
        unit_scores.period_end,
        unit_scores.department_id,
        coalesce(unit_scores.department_code, department_attributes.department_code) as department_code,
        coalesce(unit_scores.root_department_code, department_attributes.root_department_code)
            as root_department_code,
        unit_scores.is_root,
        unit_scores.department_name,
        coalesce(unit_scores.department_type, department_attributes.department_type) as department_type,
        coalesce(unit_scores.department_level, department_attributes.department_level) as department_level,
        unit_scores.total_score,
        unit_scores.total_max_score,
        unit_scores.ratio_pct,
        unit_scores.score_delta,
        unit_scores.captured_at,
        unit_scores.batch_id
    from unit_scores
    left join department_attributes
        on unit_scores.department_id = department_attributes.department_id

),

recomputed as (

    select * from {{ ref('int_766_recomputed') }}

),

unit_match as (

    select
        filled.group_code,
        filled.period_type,
        filled.period_start,
        filled.department_id,
        province.unit_code,
        province.unit_valid_from
    from filled
    inner join {{ ref('int_province_by_prefix') }} as province
        on province.agency_prefix = {{ chiso_agency_prefix('filled.department_code') }}
        and filled.period_start >= province.range_from
        and filled.period_start < province.range_to

),

own_on_time as (

    select unit_code, unit_valid_from, period_type, period_start, numerator, denominator
    from {{ ref('int_kpi_measures') }}
    where kpi_code = 'on_time_share'

)

select
    -- ids
    filled.group_code,
    filled.period_type,
    filled.period_start,
    filled.period_end,
    filled.department_id,
    filled.department_code,
    filled.root_department_code,
    unit_match.unit_code,
    unit_match.unit_valid_from,

    -- attributes
    filled.department_name,
    filled.department_type,
    filled.department_level,
    filled.is_root,

    -- published (authoritative)
    filled.total_score as published_score,
    filled.total_max_score as published_max_score,
    filled.ratio_pct as published_ratio_pct,
    filled.score_delta as published_score_delta,

    -- ours, beside it
    recomputed.recomputed_score,
    recomputed.recomputation_rule,
    {{ chiso_round('filled.total_score - recomputed.recomputed_score') }} as recomputed_difference,
    case
        when filled.group_code = 'dvc-progress-tree' and filled.is_root and own_on_time.denominator > 0
            then {{ chiso_round('20.0 * own_on_time.numerator / own_on_time.denominator') }}
    end as own_data_score,
    case
        when filled.group_code = 'dvc-progress-tree' and filled.is_root and own_on_time.denominator > 0
            then {{ chiso_round('filled.total_score - 20.0 * own_on_time.numerator / own_on_time.denominator') }}
    end as own_data_difference,

    -- lineage
    filled.captured_at,
    filled.batch_id
from filled
left join recomputed
    on filled.group_code = recomputed.group_code
    and filled.period_type = recomputed.period_type
    and filled.period_start = recomputed.period_start
    and filled.department_id = recomputed.department_id
left join unit_match
    on filled.group_code = unit_match.group_code
    and filled.period_type = unit_match.period_type
    and filled.period_start = unit_match.period_start
    and filled.department_id = unit_match.department_id
left join own_on_time
    on unit_match.unit_code = own_on_time.unit_code
    and unit_match.unit_valid_from = own_on_time.unit_valid_from
    and filled.period_type = own_on_time.period_type
    and filled.period_start = own_on_time.period_start
