-- Which units' data make up each unit's series: the unit itself plus, transitively, every predecessor that
-- passed into it whole. Partial successions ("part of area") need an allocation rule and are not added.
with recursive

units as (

    select * from {{ ref('int_admin_units') }}

),

links as (

    select
        unit_code as old_unit_code,
        unit_valid_from as old_unit_valid_from,
        successor_unit_code as new_unit_code,
        successor_unit_valid_from as new_unit_valid_from
    from units
    where successor_unit_code is not null
        and successor_relation = 'whole'

),

members (series_unit_code, series_unit_valid_from, member_unit_code, member_unit_valid_from, depth) as (

    select
        unit_code,
        unit_valid_from,
        unit_code,
        unit_valid_from,
        0
    from units

    union all

    select
        members.series_unit_code,
        members.series_unit_valid_from,
        links.old_unit_code,
        links.old_unit_valid_from,
        members.depth + 1
    from members
    inner join links
        on members.member_unit_code = links.new_unit_code
        and members.member_unit_valid_from = links.new_unit_valid_from
    where members.depth < 10

)

select
    series_unit_code as unit_code,
    series_unit_valid_from as unit_valid_from,
    member_unit_code,
    member_unit_valid_from,
    depth as succession_depth
from members
