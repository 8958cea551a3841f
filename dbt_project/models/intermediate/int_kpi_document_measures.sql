-- electronic_document_share per unit series x period: non-secret electronic documents / non-secret
-- documents, by issue date, from the monthly counts of int_document_month_measures (a document listed in two
-- exports counts once: its latest export, int_document_current). A successor's series adds its predecessors'
-- counts. Below the province: the unit the registering agency maps to in the agency crosswalk.
with

month_measures as (

    select * from {{ ref('int_document_month_measures') }}

),

members as (

    select * from {{ ref('int_unit_series_members') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

series_months as (

    select
        members.unit_code,
        members.unit_valid_from,
        month_measures.month_start,
        month_measures.n_documents,
        month_measures.n_electronic
    from month_measures
    inner join members
        on month_measures.unit_code = members.member_unit_code
        and month_measures.unit_valid_from = members.member_unit_valid_from
    where month_measures.attribution = 'province'

    union all

    select
        month_measures.unit_code,
        month_measures.unit_valid_from,
        month_measures.month_start,
        month_measures.n_documents,
        month_measures.n_electronic
    from month_measures
    where month_measures.attribution = 'agency'

)

select
    series_months.unit_code,
    series_months.unit_valid_from,
    periods.period_type,
    periods.period_start,
    cast('electronic_document_share' as {{ dbt.type_string() }}) as kpi_code,
    cast(sum(series_months.n_electronic) as {{ dbt.type_bigint() }}) as numerator,
    cast(sum(series_months.n_documents) as {{ dbt.type_bigint() }}) as denominator
from series_months
inner join periods
    on series_months.month_start >= periods.period_start
    and series_months.month_start < periods.period_end_exclusive
group by 1, 2, 3, 4
having sum(series_months.n_documents) > 0
