-- KPI dimension: the catalogue with the number of targets carried for each KPI.
with

kpis as (

    select * from {{ ref('kpi_catalogue') }}

),

targets as (

    select
        kpi_code,
        count(*) as target_count,
        max(horizon_date) as last_horizon_date
    from {{ ref('kpi_targets') }}
    group by kpi_code

)

select
    kpis.kpi_code,
    kpis.kpi_name_vi,
    kpis.kpi_name_en,
    kpis.formula,
    kpis.numerator_definition,
    kpis.denominator_definition,
    kpis.kpi_unit,
    kpis.direction,
    kpis.source_system,
    kpis.indicator_766,
    kpis.is_computed,
    coalesce(targets.target_count, 0) as target_count,
    targets.last_horizon_date
from kpis
left join targets
    on kpis.kpi_code = targets.kpi_code
