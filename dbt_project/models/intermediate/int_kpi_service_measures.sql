-- online_service_with_dossier_share per unit series x period: published services of the series' latest
-- catalogue snapshot in the period whose procedure received >= 1 online dossier (channel 2) in the period
-- at an agency of the series / published services of that snapshot.
-- Below the province: the services whose applying agency maps to a unit in the agency crosswalk on the
-- snapshot month (department, old district, new commune), against the online dossiers handled by the agencies
-- of that unit (int_dossier_online_month, attribution 'agency').
with

all_services as (

    select * from {{ ref('int_service_attributed') }}

),

attributed as (

    select * from all_services
    where unit_code is not null

),

agency_units as (

    select * from {{ ref('int_agency_units') }}

),

members as (

    select * from {{ ref('int_unit_series_members') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

series_services as (

    select
        members.unit_code,
        members.unit_valid_from,
        periods.period_type,
        periods.period_start,
        attributed.snapshot_month,
        attributed.service_code,
        attributed.procedure_code,
        attributed.state
    from attributed
    inner join members
        on attributed.unit_code = members.member_unit_code
        and attributed.unit_valid_from = members.member_unit_valid_from
    inner join periods
        on attributed.snapshot_month >= periods.period_start
        and attributed.snapshot_month < periods.period_end_exclusive

    union all

    select
        agency_units.unit_code,
        agency_units.unit_valid_from,
        periods.period_type,
        periods.period_start,
        all_services.snapshot_month,
        all_services.service_code,
        all_services.procedure_code,
        all_services.state
    from all_services
    inner join agency_units
        on all_services.agency_code = agency_units.agency_code
        and all_services.snapshot_month >= agency_units.agency_valid_from
        and all_services.snapshot_month <= coalesce(agency_units.agency_valid_to, cast('9999-12-31' as date))
    inner join periods
        on all_services.snapshot_month >= periods.period_start
        and all_services.snapshot_month < periods.period_end_exclusive

),

latest_snapshot as (

    select
        unit_code,
        unit_valid_from,
        period_type,
        period_start,
        max(snapshot_month) as snapshot_month
    from series_services
    group by 1, 2, 3, 4

),

published as (

    select series_services.*
    from series_services
    inner join latest_snapshot
        on series_services.unit_code = latest_snapshot.unit_code
        and series_services.unit_valid_from = latest_snapshot.unit_valid_from
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
        members.unit_code,
        members.unit_valid_from,
        periods.period_type,
        periods.period_start,
        online_months.procedure_code
    from online_months
    inner join members
        on online_months.unit_code = members.member_unit_code
        and online_months.unit_valid_from = members.member_unit_valid_from
    inner join periods
        on online_months.month_start >= periods.period_start
        and online_months.month_start < periods.period_end_exclusive
    where online_months.attribution = 'province'

    union

    select distinct
        online_months.unit_code,
        online_months.unit_valid_from,
        periods.period_type,
        periods.period_start,
        online_months.procedure_code
    from online_months
    inner join periods
        on online_months.month_start >= periods.period_start
        and online_months.month_start < periods.period_end_exclusive
    where online_months.attribution = 'agency'

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
    and published.period_type = online_procedures.period_type
    and published.period_start = online_procedures.period_start
    and published.procedure_code = online_procedures.procedure_code
group by 1, 2, 3, 4
