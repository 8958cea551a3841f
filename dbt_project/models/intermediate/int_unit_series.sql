-- One row per unit series (= unit): its attributes and whether it aggregates predecessors' history.
-- Provinces (int_admin_units, with their whole predecessors) plus the units below the province that agencies
-- map to (int_agency_units): departments, old districts and new communes, each its own series (no
-- predecessors: partial successions need an allocation rule, and departments are not carried across).
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

),

sub_members as (

    -- a department's later version also holds its earlier version (int_unit_attribution)
    select unit_code, unit_valid_from, count(*) as member_unit_count
    from {{ ref('int_unit_attribution') }}
    where attribution = 'agency'
    group by unit_code, unit_valid_from

),

sub_units as (

    select
        unit_code,
        unit_valid_from,
        max(unit_valid_to) as unit_valid_to,
        min(unit_name) as unit_name,
        min(unit_level) as unit_level,
        min(unit_kind) as unit_kind,
        min(parent_unit_code) as parent_unit_code,
        min(parent_unit_valid_from) as parent_unit_valid_from
    from {{ ref('int_agency_units') }}
    group by unit_code, unit_valid_from

)

select
    units.unit_code,
    units.unit_valid_from,
    units.unit_valid_to,
    units.unit_name,
    units.unit_level,
    cast('administrative_unit' as {{ dbt.type_string() }}) as unit_kind,
    units.parent_unit_code,
    cast(null as date) as parent_unit_valid_from,
    members.member_unit_count,
    members.member_unit_count > 1 as is_successor_series
from units
inner join members
    on units.unit_code = members.unit_code
    and units.unit_valid_from = members.unit_valid_from

union all

select
    sub_units.unit_code,
    sub_units.unit_valid_from,
    sub_units.unit_valid_to,
    sub_units.unit_name,
    sub_units.unit_level,
    sub_units.unit_kind,
    sub_units.parent_unit_code,
    sub_units.parent_unit_valid_from,
    cast(sub_members.member_unit_count as {{ dbt.type_bigint() }}) as member_unit_count,
    sub_members.member_unit_count > 1 as is_successor_series
from sub_units
inner join sub_members
    on sub_units.unit_code = sub_members.unit_code
    and sub_units.unit_valid_from = sub_members.unit_valid_from
