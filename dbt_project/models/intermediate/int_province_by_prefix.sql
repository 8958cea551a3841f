-- The one rule that attributes a dated row to a province by its agency identifier: the province version whose
-- agency prefix (ref_provinces, QĐ 20/2020) is the identifier's level-1 code and which is valid on the row's
-- date; when no version of that prefix is valid on the date, the prefix's latest version (codes are re-used:
-- H55 is old Thái Nguyên until 2025-06-30 and the new Thái Nguyên after). Written as date ranges that cover
-- all time, so that a fact joins it once, without a window:
--     on province.agency_prefix = <prefix of the agency code>
--    and <date> >= province.range_from and <date> < province.range_to
-- is_valid_on_range tells whether the version is valid on the range (false: the fallback to the latest version),
-- which the agency learning needs (an agency belongs to a province version only while that version is valid).
with

units as (

    select unit_code, unit_valid_from, unit_valid_to, agency_prefix
    from {{ ref('int_admin_units') }}
    where agency_prefix is not null

),

boundaries as (

    -- every day on which the answer for a prefix can change, plus the start of time
    select agency_prefix, cast('0001-01-01' as date) as boundary from units
    union
    select agency_prefix, unit_valid_from from units
    union
    select agency_prefix, {{ chiso_add_days(1, 'unit_valid_to') }} from units where unit_valid_to is not null

),

ranges as (

    select
        agency_prefix,
        boundary as range_from,
        coalesce(
            lead(boundary) over (partition by agency_prefix order by boundary),
            cast('9999-12-31' as date)
        ) as range_to
    from boundaries

),

candidates as (

    -- within one range every version is either valid throughout or not at all: test its first day
    select
        ranges.agency_prefix,
        ranges.range_from,
        ranges.range_to,
        units.unit_code,
        units.unit_valid_from,
        ranges.range_from >= units.unit_valid_from
            and ranges.range_from <= coalesce(units.unit_valid_to, cast('9999-12-31' as date)) as is_valid_on_range,
        row_number() over (
            partition by ranges.agency_prefix, ranges.range_from
            order by
                case
                    when ranges.range_from >= units.unit_valid_from
                        and ranges.range_from <= coalesce(units.unit_valid_to, cast('9999-12-31' as date))
                        then 0
                    else 1
                end,
                units.unit_valid_from desc
        ) as preference
    from ranges
    inner join units
        on ranges.agency_prefix = units.agency_prefix

)

select
    cast(agency_prefix as {{ dbt.type_string() }}) as agency_prefix,
    cast(range_from as date) as range_from,
    cast(range_to as date) as range_to,
    unit_code,
    unit_valid_from,
    is_valid_on_range
from candidates
where preference = 1
