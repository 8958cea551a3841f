-- Externally reported status figures (DOMAIN 4.3, seed articles) with the unit and KPI names: reported
-- actuals to set beside ours, not audited.
with

reported as (

    select * from {{ ref('reported_status') }}

),

units as (

    select * from {{ ref('int_admin_units') }}

),

kpis as (

    select * from {{ ref('kpi_catalogue') }}

)

select
    reported.status_id,
    reported.unit_code,
    reported.unit_valid_from,
    units.unit_name,
    reported.as_of_date,
    reported.as_of_text,
    reported.kpi_code,
    kpis.kpi_name_vi,
    kpis.kpi_name_en,
    reported.figure,
    reported.value,
    reported.value_text,
    reported.value_unit,
    reported.value is null as is_value_damaged,
    reported.source_article,
    reported.publication_date,
    reported.confidence
from reported
left join units
    on reported.unit_code = units.unit_code
    and reported.unit_valid_from = units.unit_valid_from
left join kpis
    on reported.kpi_code = kpis.kpi_code
