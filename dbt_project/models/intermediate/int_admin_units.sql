-- Provinces as type-2 history from the ref_provinces seed, keyed by (unit_code, unit_valid_from).
-- The successor of a unit that ended is the unit with successor_code that starts the day after.
with

provinces as (

    select * from {{ ref('ref_provinces') }}

),

units as (

    select
        cast(province_code as {{ dbt.type_string() }}) as unit_code,
        cast(valid_from as date) as unit_valid_from,
        cast(valid_to as date) as unit_valid_to,
        cast(province_name as {{ dbt.type_string() }}) as unit_name,
        cast('province' as {{ dbt.type_string() }}) as unit_level,
        cast(null as {{ dbt.type_string() }}) as parent_unit_code,
        cast(agency_prefix as {{ dbt.type_string() }}) as agency_prefix,
        cast(successor_code as {{ dbt.type_string() }}) as successor_code,
        cast(relation as {{ dbt.type_string() }}) as successor_relation
    from provinces

)

select
    units.unit_code,
    units.unit_valid_from,
    units.unit_valid_to,
    units.unit_name,
    units.unit_level,
    units.parent_unit_code,
    units.agency_prefix,
    successors.unit_code as successor_unit_code,
    successors.unit_valid_from as successor_unit_valid_from,
    units.successor_relation,
    units.unit_valid_to is null as is_current
from units
left join units as successors
    on units.successor_code = successors.unit_code
    and units.unit_valid_to is not null
    and successors.unit_valid_from = {{ chiso_add_days(1, 'units.unit_valid_to') }}
