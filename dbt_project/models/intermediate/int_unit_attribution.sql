-- The reporting units each attributed unit's counts go to (the second half of the attribution; the first,
-- row -> (attribution, attributed unit), is macro chiso_attributed): a province version's counts go to every
-- unit series it is a member of (itself and each successor it passed into whole, int_unit_series_members); a
-- unit below the province (department, old district, new commune: int_agency_units) is its own series. The KPI
-- models join their monthly counts to this table on (attribution, attributed unit) and sum per reporting unit.
with

province_series as (

    select
        cast('province' as {{ dbt.type_string() }}) as attribution,
        member_unit_code as attributed_unit_code,
        member_unit_valid_from as attributed_unit_valid_from,
        unit_code,
        unit_valid_from
    from {{ ref('int_unit_series_members') }}

),

agency_units as (

    select distinct
        cast('agency' as {{ dbt.type_string() }}) as attribution,
        unit_code as attributed_unit_code,
        unit_valid_from as attributed_unit_valid_from,
        unit_code,
        unit_valid_from
    from {{ ref('int_agency_units') }}

)

select * from province_series
union all
select * from agency_units
