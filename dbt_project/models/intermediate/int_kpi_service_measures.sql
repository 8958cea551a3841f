-- online_service_with_dossier_share per unit series x period: published services whose procedure received
-- >= 1 online dossier (channel 2) in the period / published services. Each member of a series (a predecessor
-- that passed into it whole, or the unit itself) is judged on its own: its latest catalogue snapshot in the
-- period, and online dossiers at its own agencies; then the members' numerators and denominators are added
-- (a Bắc Kạn service does not count as "with dossiers" because of a Thái Nguyên dossier).
-- A service and an online dossier count for the reporting units of their attribution (macro chiso_attributed,
-- int_unit_attribution): the province's series, and below the province the unit the applying (handling)
-- agency maps to on the snapshot month (receipt month): department, old district, new commune.
with

services as (

    select * from {{ ref('int_service_attributed') }}

),

attributed as (

    {{ chiso_attributed('services', 'services.snapshot_month') }}

),

attribution as (

    select * from {{ ref('int_unit_attribution') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

series_services as (

    select
        attribution.unit_code,
        attribution.unit_valid_from,
        attribution.attribution,
        attribution.attributed_unit_code,
        attribution.attributed_unit_valid_from,
        periods.period_type,
        periods.period_start,
        attributed.snapshot_month,
        attributed.service_code,
        attributed.procedure_code,
        attributed.state
    from attributed
    inner join attribution
        on attributed.attribution = attribution.attribution
        and attributed.attributed_unit_code = attribution.attributed_unit_code
        and attributed.attributed_unit_valid_from = attribution.attributed_unit_valid_from
    inner join periods
        on attributed.snapshot_month >= periods.period_start
        and attributed.snapshot_month < periods.period_end_exclusive

),

latest_snapshot as (

    select
        unit_code,
        unit_valid_from,
        attribution,
        attributed_unit_code,
        attributed_unit_valid_from,
        period_type,
        period_start,
        max(snapshot_month) as snapshot_month
    from series_services
    group by 1, 2, 3, 4, 5, 6, 7

),

published as (

    select series_services.*
    from series_services
    inner join latest_snapshot
        on series_services.unit_code = latest_snapshot.unit_code
        and series_services.unit_valid_from = latest_snapshot.unit_valid_from
        and series_services.attribution = latest_snapshot.attribution
        and series_services.attributed_unit_code = latest_snapshot.attributed_unit_code
        and series_services.attributed_unit_valid_from = latest_snapshot.attributed_unit_valid_from
        and series_services.period_type = latest_snapshot.period_type
        and series_services.period_start = latest_snapshot.period_start
        and series_services.snapshot_month = latest_snapshot.snapshot_month
    where series_services.state = 'published'

),

online_months as (

    select * from {{ ref('int_dossier_online_month') }}

),

online_procedures as (

    select distinct
        attribution.unit_code,
        attribution.unit_valid_from,
        attribution.attribution,
        attribution.attributed_unit_code,
        attribution.attributed_unit_valid_from,
        periods.period_type,
        periods.period_start,
        online_months.procedure_code
    from online_months
    inner join attribution
        on online_months.attribution = attribution.attribution
        and online_months.unit_code = attribution.attributed_unit_code
        and online_months.unit_valid_from = attribution.attributed_unit_valid_from
    inner join periods
        on online_months.month_start >= periods.period_start
        and online_months.month_start < periods.period_end_exclusive

)

select
    published.unit_code,
    published.unit_valid_from,
    published.period_type,
    published.period_start,
    cast('online_service_with_dossier_share' as {{ dbt.type_string() }}) as kpi_code,
    cast(count(online_procedures.procedure_code) as {{ dbt.type_bigint() }}) as numerator,
    cast(count(*) as {{ dbt.type_bigint() }}) as denominator
from published
left join online_procedures
    on published.unit_code = online_procedures.unit_code
    and published.unit_valid_from = online_procedures.unit_valid_from
    and published.attribution = online_procedures.attribution
    and published.attributed_unit_code = online_procedures.attributed_unit_code
    and published.attributed_unit_valid_from = online_procedures.attributed_unit_valid_from
    and published.period_type = online_procedures.period_type
    and published.period_start = online_procedures.period_start
    and published.procedure_code = online_procedures.procedure_code
group by 1, 2, 3, 4
