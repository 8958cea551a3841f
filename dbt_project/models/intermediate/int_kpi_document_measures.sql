-- electronic_document_share per unit series x period: non-secret electronic documents / non-secret
-- documents, by issue date, from the monthly counts of int_document_month_measures (a document listed in two
-- exports counts once: its latest export, int_document_current), summed per reporting unit of
-- int_unit_attribution (a successor's series adds its predecessors'; below the province, the unit the
-- registering agency maps to).
with

month_measures as (

    select * from {{ ref('int_document_month_measures') }}

),

attribution as (

    select * from {{ ref('int_unit_attribution') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

series_months as (

    select
        attribution.unit_code,
        attribution.unit_valid_from,
        month_measures.month_start,
        month_measures.n_documents,
        month_measures.n_electronic
    from month_measures
    inner join attribution
        on month_measures.attribution = attribution.attribution
        and month_measures.unit_code = attribution.attributed_unit_code
        and month_measures.unit_valid_from = attribution.attributed_unit_valid_from

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
