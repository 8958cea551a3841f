-- Reporting periods (month, quarter, year) covering every month that has source data.
-- A quarter or year whose last month is after the last month with data is flagged incomplete.
with

data_months as (

    select distinct period_month as month_start from {{ ref('stg_motcua__dossier') }}
    union
    select distinct period_month from {{ ref('stg_qlvb__document') }}
    union
    select distinct snapshot_month from {{ ref('stg_dvc__service') }}

),

bounds as (

    select
        min(month_start) as first_month,
        max(month_start) as last_month
    from data_months
    where month_start is not null

),

days as (

    select dim_date.*
    from {{ ref('dim_date') }} as dim_date
    inner join bounds
        on dim_date.month_start between bounds.first_month and bounds.last_month

),

periods as (

    select distinct 'month' as period_type, month_start as period_start from days
    union all
    select distinct 'quarter' as period_type, quarter_start as period_start from days
    union all
    select distinct 'year' as period_type, year_start as period_start from days

),

final as (

    select
        periods.period_type,
        periods.period_start,
        case periods.period_type
            when 'month' then cast({{ dbt.dateadd('month', 1, 'periods.period_start') }} as date)
            when 'quarter' then cast({{ dbt.dateadd('month', 3, 'periods.period_start') }} as date)
            else cast({{ dbt.dateadd('month', 12, 'periods.period_start') }} as date)
        end as period_end_exclusive
    from periods

)

select
    final.period_type,
    final.period_start,
    {{ chiso_add_days(-1, 'final.period_end_exclusive') }} as period_end,
    final.period_end_exclusive,
    cast(extract(year from final.period_start) as integer) as period_year,
    final.period_end_exclusive <= cast({{ dbt.dateadd('month', 1, 'bounds.last_month') }} as date) as is_complete
from final
cross join bounds
