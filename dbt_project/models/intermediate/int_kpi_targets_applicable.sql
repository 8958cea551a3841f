-- The target that applies to each unit x KPI x period, among every target chiso knows (int_kpi_targets: the
-- national seed and the plan workbooks' versions). A target is a candidate when it has a numeric value, its
-- horizon year is >= the period's year (a 2025 target is not binding in 2026) and, for a plan version, it is
-- in force at the period's end (version_valid_from <= period_end <= version_valid_to: a later document takes
-- over from its date). The winner:
--   1. the most specific scope (unit > province > national);
--   2. a unit's own target before one inherited from a unit it succeeded (plan_successor);
--   3. the nearest horizon;
--   4. the latest document (legal basis date), so a province's plan beats an older one of the same scope;
--   5. verified before unverified, then target_id.
-- Province/unit targets match unit_code and, when given, unit_valid_from.
-- Scope semantics (units below the province included):
--   national, unit_level empty      -> every unit at every level; with a level -> the units of that level
--   province, unit_level province   -> the province only (empty level: the same)
--   province, unit_level commune/district/department -> handed down: the units of that level whose parent
--                                      province is unit_code (and unit_valid_from when given)
--   unit                            -> that unit (unit_code, and unit_valid_from when given)
with

measures as (

    select * from {{ ref('int_kpi_measures') }}

),

series as (

    select * from {{ ref('int_unit_series') }}

),

targets as (

    select * from {{ ref('int_kpi_targets') }}
    where target_value is not null
        and horizon_date is not null

),

candidates as (

    select
        measures.unit_code,
        measures.unit_valid_from,
        measures.kpi_code,
        measures.period_type,
        measures.period_start,
        targets.target_id,
        case targets.scope when 'unit' then 1 when 'province' then 2 else 3 end as scope_rank,
        case when targets.target_source = 'plan_successor' then 1 else 0 end as inherited_rank,
        targets.horizon_date,
        targets.is_verified,
        targets.legal_basis_date
    from measures
    inner join series
        on measures.unit_code = series.unit_code
        and measures.unit_valid_from = series.unit_valid_from
    inner join targets
        on measures.kpi_code = targets.kpi_code
        and cast(extract(year from targets.horizon_date) as integer) >= measures.period_year
        and (targets.version_valid_from is null or targets.version_valid_from <= measures.period_end)
        and (targets.version_valid_to is null or targets.version_valid_to >= measures.period_end)
        and (
            -- national: every unit of the target's level; no level = every unit at every level (provinces,
            -- departments, districts, communes are all scored against the national figures, as in 766)
            (
                targets.scope = 'national'
                and (targets.unit_level is null or targets.unit_level = series.unit_level)
            )
            -- province, level province (or none): the province itself only
            or (
                targets.scope = 'province'
                and coalesce(targets.unit_level, 'province') = 'province'
                and series.unit_level = 'province'
                and targets.unit_code = measures.unit_code
                and (targets.unit_valid_from is null or targets.unit_valid_from = measures.unit_valid_from)
            )
            -- province, another level: handed down to the units of that level within the province
            -- (unit_valid_from, when given, is the province's)
            or (
                targets.scope = 'province'
                and targets.unit_level <> 'province'
                and targets.unit_level = series.unit_level
                and targets.unit_code = series.parent_unit_code
                and (targets.unit_valid_from is null or targets.unit_valid_from = series.parent_unit_valid_from)
            )
            -- unit: exactly that unit (admin unit code, or agency code for a department)
            or (
                targets.scope = 'unit'
                and targets.unit_code = measures.unit_code
                and (targets.unit_level is null or targets.unit_level = series.unit_level)
                and (targets.unit_valid_from is null or targets.unit_valid_from = measures.unit_valid_from)
            )
        )

),

ranked as (

    select
        candidates.*,
        row_number() over (
            partition by unit_code, unit_valid_from, kpi_code, period_type, period_start
            order by
                scope_rank,
                inherited_rank,
                horizon_date,
                legal_basis_date desc nulls last,
                case when is_verified then 0 else 1 end,
                target_id
        ) as target_rank
    from candidates

)

select
    unit_code,
    unit_valid_from,
    kpi_code,
    period_type,
    period_start,
    target_id
from ranked
where target_rank = 1
