{{ config(materialized='ephemeral') }}
-- Administrative units as a type-2 history keyed by (unit_code, unit_valid_from) — published as dim_admin_unit,
-- matched against by the agency learning (int_agency_matches): provinces, districts and
-- communes before 1 July 2025 (statistics office list of 2025-01-04, taken as valid since records begin),
-- provinces and communes from 1 July 2025 (the office's crosswalk), and the provinces of ref_provinces (which carry
-- the agency-identifier prefix and win over the lists' province rows). Codes are re-used (e.g. 19, 92, commune 00004): the key
-- includes valid_from.
with

ref_province_units as (

    select * from {{ ref('int_admin_units') }}

),

units_before as (

    select
        unit_code,
        unit_name,
        unit_level,
        unit_kind,
        nullif(parent_code, '') as parent_unit_code,
        cast('1900-01-01' as date) as unit_valid_from,
        cast('2025-06-30' as date) as unit_valid_to,
        cast('nso-2025-01-04' as {{ dbt.type_string() }}) as source_version
    from {{ ref('admin_units_before_2025_07') }}

),

crosswalk as (

    select * from {{ ref('admin_crosswalk_2025_07') }}

),

provinces_after as (

    select
        new_province_code as unit_code,
        min(new_province_name) as unit_name,
        'province' as unit_level,
        cast(null as {{ dbt.type_string() }}) as parent_unit_code
    from crosswalk
    group by new_province_code

),

communes_after as (

    select
        new_commune_code as unit_code,
        min(new_commune_name) as unit_name,
        'commune' as unit_level,
        min(new_province_code) as parent_unit_code
    from crosswalk
    group by new_commune_code

),

units_after as (

    select
        unit_code,
        unit_name,
        unit_level,
        case
            when unit_name like 'Thành phố%' then 'Thành phố'
            when unit_name like 'Tỉnh%' then 'Tỉnh'
            when unit_name like 'Phường%' then 'Phường'
            when unit_name like 'Xã%' then 'Xã'
            when unit_name like 'Đặc khu%' then 'Đặc khu'
        end as unit_kind,
        parent_unit_code,
        cast('2025-07-01' as date) as unit_valid_from,
        cast(null as date) as unit_valid_to,
        cast('nso-crosswalk-2025-07-01' as {{ dbt.type_string() }}) as source_version
    from (
        select * from provinces_after
        union all
        select * from communes_after
    ) as after_units

),

old_units_only_in_crosswalk as (

    -- old units the crosswalk names that the 2025-01-04 list lacks (changed between January and June 2025)
    select
        crosswalk.old_unit_code as unit_code,
        min(crosswalk.old_unit_name) as unit_name,
        crosswalk.old_unit_level as unit_level,
        cast(null as {{ dbt.type_string() }}) as unit_kind,
        min(case when crosswalk.old_unit_level = 'commune' then crosswalk.old_district_code else crosswalk.old_province_code end)
            as parent_unit_code,
        cast('1900-01-01' as date) as unit_valid_from,
        cast('2025-06-30' as date) as unit_valid_to,
        cast('nso-crosswalk-2025-07-01' as {{ dbt.type_string() }}) as source_version
    from crosswalk
    left join units_before
        on crosswalk.old_unit_code = units_before.unit_code
    where units_before.unit_code is null
    group by crosswalk.old_unit_code, crosswalk.old_unit_level

),

from_lists as (

    select * from units_before
    union all
    select * from old_units_only_in_crosswalk
    union all
    select * from units_after

),

provinces as (

    select
        unit_code,
        unit_name,
        unit_level,
        cast(null as {{ dbt.type_string() }}) as unit_kind,
        parent_unit_code,
        unit_valid_from,
        unit_valid_to,
        cast('ref_provinces' as {{ dbt.type_string() }}) as source_version,
        agency_prefix
    from ref_province_units

),

combined as (

    select * from provinces
    union all
    select
        from_lists.unit_code,
        from_lists.unit_name,
        from_lists.unit_level,
        from_lists.unit_kind,
        from_lists.parent_unit_code,
        from_lists.unit_valid_from,
        from_lists.unit_valid_to,
        from_lists.source_version,
        cast(null as {{ dbt.type_string() }}) as agency_prefix
    from from_lists
    left join provinces
        on from_lists.unit_code = provinces.unit_code
        and from_lists.unit_valid_from = provinces.unit_valid_from
        and from_lists.unit_level = provinces.unit_level
    where provinces.unit_code is null

)

select
    combined.unit_code,
    combined.unit_valid_from,
    combined.unit_valid_to,
    combined.unit_name,
    combined.unit_level,
    combined.unit_kind,
    combined.parent_unit_code,
    combined.agency_prefix,
    combined.unit_valid_to is null as is_current,
    combined.source_version
from combined
