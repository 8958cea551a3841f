-- 766 scorecard: one row per unit (as published: department) × period × group, plus a `total` group (sum of
-- the six groups when all six are published). Rank among peers = units of the same level (peer_level: the
-- departmentType, or the level where the group does not print it) in the same province tree (province roots
-- rank among all roots) for the same group and period; change = the
-- score minus the unit's score in the previous period of the same type.
with

scores as (

    select * from {{ ref('fct_766_score') }}

),

totals as (

    select
        'total' as group_code,
        period_type,
        period_start,
        max(period_end) as period_end,
        department_id,
        max(department_code) as department_code,
        max(root_department_code) as root_department_code,
        max(unit_code) as unit_code,
        max(unit_valid_from) as unit_valid_from,
        max(department_name) as department_name,
        max(department_type) as department_type,
        max(department_level) as department_level,
        {{ dbt.bool_or('is_root') }} as is_root,
        sum(published_score) as published_score,
        sum(published_max_score) as published_max_score,
        cast(null as {{ chiso_exact() }}) as recomputed_score,
        cast(null as {{ chiso_exact() }}) as recomputed_difference,
        cast(null as {{ chiso_exact() }}) as own_data_score
    from scores
    where group_code in ('transparency', 'dvc-progress-tree', 'provide-online-tree', 'formality-online-payment-tree',
        'dossier-digitized', 'handling-satisfaction')
    group by period_type, period_start, department_id
    having count(distinct group_code) = 6

),

combined as (

    select
        group_code, period_type, period_start, period_end, department_id, department_code, root_department_code,
        unit_code, unit_valid_from, department_name, department_type, department_level, is_root,
        published_score, published_max_score, recomputed_score, recomputed_difference, own_data_score
    from scores
    union all
    select
        group_code, period_type, period_start, period_end, department_id, department_code, root_department_code,
        unit_code, unit_valid_from, department_name, department_type, department_level, is_root,
        published_score, published_max_score, recomputed_score, recomputed_difference, own_data_score
    from totals

),

leveled as (

    -- the level a unit is ranked at: the province root, or its departmentType, or (where a group does not
    -- print the type) its level, so departments rank among departments and communes among communes
    select
        combined.*,
        case
            when is_root then 'ROOT'
            when department_type is not null then department_type
            when department_level = 'COMMUNE' then 'COMMUNE_PEOPLE_COMMITTEE'
            when department_level = 'PROVINCE' then 'PROVINCIAL_DEPARTMENT'
            else department_level
        end as peer_level
    from combined

),

ranked as (

    select
        leveled.*,
        case when is_root then 'ROOT' else coalesce(root_department_code, '') end as peer_group,
        rank() over (
            partition by group_code, period_type, period_start, peer_level,
                case when is_root then 'ROOT' else coalesce(root_department_code, '') end
            order by published_score desc nulls last
        ) as peer_rank,
        count(*) over (
            partition by group_code, period_type, period_start, peer_level,
                case when is_root then 'ROOT' else coalesce(root_department_code, '') end
        ) as peer_count,
        lag(published_score) over (
            partition by department_id, group_code, period_type
            order by period_start
        ) as previous_score,
        lag(period_start) over (
            partition by department_id, group_code, period_type
            order by period_start
        ) as previous_period_start
    from leveled

)

select
    cast(department_id as {{ dbt.type_string() }}) as department_id,
    cast(department_code as {{ dbt.type_string() }}) as department_code,
    cast(department_name as {{ dbt.type_string() }}) as department_name,
    cast(department_type as {{ dbt.type_string() }}) as department_type,
    cast(department_level as {{ dbt.type_string() }}) as department_level,
    cast(peer_level as {{ dbt.type_string() }}) as peer_level,
    is_root,
    cast(root_department_code as {{ dbt.type_string() }}) as root_department_code,
    cast(unit_code as {{ dbt.type_string() }}) as unit_code,
    unit_valid_from,
    cast(period_type as {{ dbt.type_string() }}) as period_type,
    period_start,
    period_end,
    cast(group_code as {{ dbt.type_string() }}) as group_code,
    cast(published_score as {{ chiso_exact() }}) as published_score,
    cast(published_max_score as {{ chiso_exact() }}) as published_max_score,
    case
        when published_max_score > 0 then {{ chiso_round('100.0 * published_score / published_max_score') }}
    end as published_pct_of_max,
    cast(peer_rank as integer) as peer_rank,
    cast(peer_count as integer) as peer_count,
    previous_period_start,
    cast(previous_score as {{ chiso_exact() }}) as previous_score,
    {{ chiso_round('published_score - previous_score') }} as change_from_previous,
    cast(recomputed_score as {{ chiso_exact() }}) as recomputed_score,
    cast(recomputed_difference as {{ chiso_exact() }}) as recomputed_difference,
    cast(own_data_score as {{ chiso_exact() }}) as own_data_score
from ranked
