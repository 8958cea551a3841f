-- One row per unit series (= unit): its attributes and whether it aggregates predecessors' history.
with

units as (

    select * from {{ ref('int_admin_units') }}

),

members as (

    select
        unit_code,
        unit_valid_from,
        count(*) as member_unit_count
    from {{ ref('int_unit_series_members') }}
    group by unit_code, unit_valid_from

)

select
    units.unit_code,
    units.unit_valid_from,
    units.unit_valid_to,
    units.unit_name,
    units.unit_level,
    units.parent_unit_code,
    members.member_unit_count,
    members.member_unit_count > 1 as is_successor_series
from units
inner join members
    on units.unit_code = members.unit_code
    and units.unit_valid_from = members.unit_valid_from
