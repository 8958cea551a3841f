-- The reporting units each attributed unit's counts go to (the second half of the attribution; the first,
-- row -> (attribution, attributed unit), is macro chiso_attributed): a province version's counts go to every
-- unit series it is a member of (itself and each successor it passed into whole, int_unit_series_members); a
-- unit below the province (department, old district, new commune: int_agency_units) is its own series; a
-- department's later version (same code, its province passed whole into the later province) also takes the
-- earlier version's counts. The KPI
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

agency_versions as (

    select distinct unit_code, unit_valid_from, unit_valid_to, unit_level, parent_unit_code, parent_unit_valid_from
    from {{ ref('int_agency_units') }}

),

agency_units as (

    select distinct
        cast('agency' as {{ dbt.type_string() }}) as attribution,
        unit_code as attributed_unit_code,
        unit_valid_from as attributed_unit_valid_from,
        unit_code,
        unit_valid_from
    from agency_versions

),

department_continuations as (

    -- a department keeps its code into the next version (1 July 2025) when its province version passed whole
    -- into the next one (the succession bridge: int_unit_series_members): the earlier version's counts also
    -- go to the later version's series, so a period the change falls in gets one whole row
    select distinct
        cast('agency' as {{ dbt.type_string() }}) as attribution,
        earlier.unit_code as attributed_unit_code,
        earlier.unit_valid_from as attributed_unit_valid_from,
        later.unit_code,
        later.unit_valid_from
    from agency_versions as earlier
    inner join agency_versions as later
        on earlier.unit_code = later.unit_code
        and later.unit_valid_from > earlier.unit_valid_from
    inner join {{ ref('int_unit_series_members') }} as province_members
        on province_members.member_unit_code = earlier.parent_unit_code
        and province_members.member_unit_valid_from = earlier.parent_unit_valid_from
        and province_members.unit_code = later.parent_unit_code
        and province_members.unit_valid_from = later.parent_unit_valid_from
    where earlier.unit_level = 'department'
        and later.unit_level = 'department'

)

select * from province_series
union all
select * from agency_units
union all
select * from department_continuations
