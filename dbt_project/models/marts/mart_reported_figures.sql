-- Reported figures as KPIs of their own: the indices, ranks and figures no source system produces (DTI, PAR
-- Index, SIPAS, PAPI, PCI, digital skills, infrastructure), from the plan workbooks' sheet "Số liệu báo cáo".
-- One row per unit x KPI x edition (the latest publication of an edition when two documents report it), with
-- the series (the unit's previous edition of the KPI and the change since), the rank and the source document.
-- Figures are as published: null is not zero (a rank-only row has no value).
with

figures as (

    select * from {{ ref('stg_plans__item') }}
    where sheet = 'reported_figure'

),

kpis as (

    select * from {{ ref('kpi_catalogue') }}

),

units as (

    select * from {{ ref('dim_admin_unit') }}

),

latest as (

    select
        figures.*,
        row_number() over (
            partition by kpi_code, unit_code, unit_valid_from, edition_year, as_of_date
            order by document_date desc, item_id desc
        ) as publication_rank
    from figures

),

series as (

    select
        latest.*,
        lag(value) over edition_window as previous_value,
        lag(rank) over edition_window as previous_rank,
        lag(edition_year) over edition_window as previous_edition_year,
        row_number() over edition_window as edition_number
    from latest
    where publication_rank = 1
    window edition_window as (
        partition by kpi_code, unit_code, unit_valid_from
        order by edition_year, as_of_date
    )

)

select
    series.item_id as figure_id,
    series.kpi_code,
    kpis.kpi_name_vi,
    kpis.kpi_name_en,
    kpis.kpi_unit,
    kpis.direction,
    series.unit_level,
    series.unit_code,
    series.unit_valid_from,
    units.unit_name,
    series.province_code,
    series.edition_year,
    series.as_of_date,
    cast(series.edition_number as {{ dbt.type_int() }}) as edition_number,
    series.value,
    series.scale,
    series.rank,
    series.rank_out_of,
    series.previous_edition_year,
    series.previous_value,
    series.previous_rank,
    series.value - series.previous_value as value_change,
    -- positive = better: a rank going from 20 to 15 improves by 5
    cast(series.previous_rank - series.rank as {{ dbt.type_int() }}) as rank_improvement,
    series.document_number as source_document,
    series.document_date as publication_date,
    series.issuing_body as publisher,
    series.document_article as source_section,
    series.is_verified,
    series.note,
    series.source_file,
    series.sheet_row as source_sheet_row
from series
left join kpis
    on series.kpi_code = kpis.kpi_code
left join units
    on series.unit_level in ('province', 'commune')
    and series.unit_code = units.unit_code
    and series.unit_valid_from = units.unit_valid_from
