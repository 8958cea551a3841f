-- Agencies below the province and the reporting unit each one's KPIs go to (seed agency_crosswalk):
--   provincial_department → the department itself (unit_level 'department', keyed by its agency code and
--                           validity: a department is not an administrative unit);
--   district_committee    → the old district (3-digit code, 1900-01-01 .. 2025-06-30), its own historical unit;
--   commune_committee     → the ward/commune (5-digit code, from 2025-07-01).
-- The province root and unmatched agencies (no admin unit) are left out: nothing is guessed. parent_unit_* is
-- the province the agency belongs to (the crosswalk's root row of the same prefix valid on the agency's start).
with

crosswalk as (

    select * from {{ ref('agency_crosswalk') }}

),

districts as (

    select unit_code, unit_name
    from {{ ref('admin_units_before_2025_07') }}
    where unit_level = 'district'

),

communes as (

    select new_commune_code as unit_code, min(new_commune_name) as unit_name
    from {{ ref('admin_crosswalk_2025_07') }}
    group by new_commune_code

),

roots as (

    select agency_code, valid_from, valid_to, admin_unit_code, admin_unit_valid_from
    from crosswalk
    where agency_kind = 'province'
        and admin_unit_code is not null

),

agencies as (

    select crosswalk.*
    from crosswalk
    where crosswalk.agency_kind in ('provincial_department', 'district_committee', 'commune_committee')
        and crosswalk.admin_unit_code is not null

)

select
    agencies.agency_code,
    agencies.valid_from as agency_valid_from,
    agencies.valid_to as agency_valid_to,
    agencies.agency_name,
    agencies.agency_kind,
    agencies.admin_unit_code,
    agencies.admin_unit_valid_from,
    case
        when agencies.agency_kind = 'provincial_department' then agencies.agency_code
        else agencies.admin_unit_code
    end as unit_code,
    case
        when agencies.agency_kind = 'provincial_department' then agencies.valid_from
        else agencies.admin_unit_valid_from
    end as unit_valid_from,
    case
        when agencies.agency_kind = 'provincial_department' then agencies.valid_to
        when agencies.agency_kind = 'district_committee' then cast('2025-06-30' as date)
    end as unit_valid_to,
    case
        when agencies.agency_kind = 'provincial_department' then agencies.agency_name
        when agencies.agency_kind = 'district_committee' then coalesce(districts.unit_name, agencies.agency_name)
        else coalesce(communes.unit_name, agencies.agency_name)
    end as unit_name,
    cast(case agencies.agency_kind
        when 'provincial_department' then 'department'
        when 'district_committee' then 'district'
        else 'commune'
    end as {{ dbt.type_string() }}) as unit_level,
    cast(case
        when agencies.agency_kind = 'provincial_department' then 'agency'
        else 'administrative_unit'
    end as {{ dbt.type_string() }}) as unit_kind,
    roots.admin_unit_code as parent_unit_code,
    roots.admin_unit_valid_from as parent_unit_valid_from
from agencies
left join districts
    on agencies.agency_kind = 'district_committee'
    and agencies.admin_unit_code = districts.unit_code
left join communes
    on agencies.agency_kind = 'commune_committee'
    and agencies.admin_unit_code = communes.unit_code
left join roots
    on roots.agency_code = {{ chiso_agency_prefix('agencies.agency_code') }}
    and agencies.valid_from >= roots.valid_from
    and agencies.valid_from <= coalesce(roots.valid_to, cast('9999-12-31' as date))
