-- Agencies below the province and the reporting unit each one's KPIs go to (int_agency_matches, learned from
-- the loaded data):
--   provincial_department → the department itself (unit_level 'department', keyed by its agency code and
--                           validity: a department is not an administrative unit);
--   district_committee    → the old district (3-digit code, 1900-01-01 .. 2025-06-30), its own historical unit;
--   commune_committee     → the ward/commune (5-digit code, from 2025-07-01).
-- The province root and agencies without an admin unit are left out: nothing is guessed. parent_unit_* is the
-- province version the agency belongs to (its identifier's prefix).
with

agencies as (

    select *
    from {{ ref('int_agency_matches') }}
    where agency_kind in ('provincial_department', 'district_committee', 'commune_committee')
        and admin_unit_code is not null

),

admin_units as (

    select unit_code, unit_valid_from, unit_valid_to, unit_name
    from {{ ref('int_admin_unit_history') }}

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
        else admin_units.unit_valid_to
    end as unit_valid_to,
    case
        when agencies.agency_kind = 'provincial_department' then agencies.agency_name
        else coalesce(admin_units.unit_name, agencies.agency_name)
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
    agencies.province_code as parent_unit_code,
    agencies.province_valid_from as parent_unit_valid_from,
    agencies.first_seen_on
from agencies
left join admin_units
    on agencies.admin_unit_code = admin_units.unit_code
    and agencies.admin_unit_valid_from = admin_units.unit_valid_from
