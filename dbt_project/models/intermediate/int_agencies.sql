-- The agencies learned from the loaded data: one row per agency identifier × province version (the same
-- identifier, e.g. H55.01, denotes old and new Thái Nguyên's department across 1 July 2025: the agency is keyed
-- by (agency_code, valid_from) and valid as long as its province version). From int_agency_sightings, every
-- batch of every source; identifiers outside any province version are left to mart_unknown_agency_codes.
--   agency_name          the name the one-stop-shop exports use (what the province's staff know), else the
--                        catalogue's, else the portal's; within a source the latest export month's, then the
--                        one on most rows
--   dvcqg_department_id  the portal's departmentId seen with the code (latest period)
--   department_type, department_level  what the portal states for that departmentId (latest period that
--                        states it; the tree groups give the level only, two evaluation groups give the type
--                        without the code)
--   first_seen_on, last_seen_on, seen_in_*  where and when the identifier appears
-- int_agency_matches decides the kind and the administrative unit.
with

sightings as (

    select * from {{ ref('int_agency_sightings') }}
    where province_code is not null

),

coded as (

    select * from sightings
    where agency_code is not null

),

agencies as (

    select
        agency_code,
        province_code,
        province_valid_from,
        min(first_reference_date) as first_seen_on,
        max(last_reference_date) as last_seen_on,
        max(case when source_dataset = 'motcua_dossier' then 1 else 0 end) = 1 as seen_in_dossiers,
        max(case when source_dataset = 'qlvb_document' then 1 else 0 end) = 1 as seen_in_documents,
        max(case when source_dataset = 'dvc_service' then 1 else 0 end) = 1 as seen_in_catalogue,
        max(case when source_dataset = 'dvc_766_unit' then 1 else 0 end) = 1 as seen_in_portal,
        sum(row_count) as row_count
    from coded
    group by agency_code, province_code, province_valid_from

),

names as (

    select
        agency_code,
        province_valid_from,
        agency_name,
        row_number() over (
            partition by agency_code, province_valid_from
            order by
                min(case source_dataset when 'motcua_dossier' then 1 when 'dvc_service' then 2 else 3 end),
                max(period_month) desc,
                sum(row_count) desc,
                agency_name
        ) as name_rank
    from coded
    where agency_name is not null
    group by agency_code, province_valid_from, agency_name

),

department_ids as (

    select
        agency_code,
        province_valid_from,
        department_id,
        row_number() over (
            partition by agency_code, province_valid_from
            order by max(period_month) desc, department_id
        ) as id_rank
    from coded
    where department_id is not null
    group by agency_code, province_valid_from, department_id

),

portal_statements as (

    -- what the portal states about a departmentId in a period; the groups that state the type publish no code
    -- (nor a root code): they are tied to the agency by the departmentId, within the agency's validity
    select
        department_id,
        period_month,
        max(department_type) as department_type,
        max(department_level) as department_level
    from {{ ref('int_agency_sightings') }}
    where department_id is not null
        and (department_type is not null or department_level is not null)
    group by department_id, period_month

),

provinces as (

    select unit_code, unit_valid_from, unit_valid_to
    from {{ ref('int_admin_units') }}

),

agency_statements as (

    select
        department_ids.agency_code,
        department_ids.province_valid_from,
        portal_statements.period_month,
        portal_statements.department_type,
        portal_statements.department_level
    from department_ids
    inner join agencies
        on department_ids.agency_code = agencies.agency_code
        and department_ids.province_valid_from = agencies.province_valid_from
    inner join provinces
        on agencies.province_code = provinces.unit_code
        and agencies.province_valid_from = provinces.unit_valid_from
    inner join portal_statements
        on department_ids.department_id = portal_statements.department_id
        and portal_statements.period_month >= provinces.unit_valid_from
        and portal_statements.period_month <= coalesce(provinces.unit_valid_to, cast('9999-12-31' as date))
    where department_ids.id_rank = 1

),

portal_types as (

    select
        agency_code,
        province_valid_from,
        department_type,
        row_number() over (
            partition by agency_code, province_valid_from
            order by period_month desc
        ) as type_rank
    from agency_statements
    where department_type is not null

),

portal_levels as (

    select
        agency_code,
        province_valid_from,
        department_level,
        row_number() over (
            partition by agency_code, province_valid_from
            order by period_month desc
        ) as level_rank
    from agency_statements
    where department_level is not null

)

select
    -- ids
    agencies.agency_code,
    agencies.province_valid_from as valid_from,
    provinces.unit_valid_to as valid_to,
    agencies.province_code,
    agencies.province_valid_from,
    department_ids.department_id as dvcqg_department_id,

    -- as learned
    names.agency_name,
    portal_types.department_type,
    portal_levels.department_level,
    agencies.first_seen_on,
    agencies.last_seen_on,
    agencies.seen_in_dossiers,
    agencies.seen_in_documents,
    agencies.seen_in_catalogue,
    agencies.seen_in_portal,
    cast(agencies.row_count as {{ dbt.type_bigint() }}) as row_count
from agencies
inner join provinces
    on agencies.province_code = provinces.unit_code
    and agencies.province_valid_from = provinces.unit_valid_from
left join names
    on agencies.agency_code = names.agency_code
    and agencies.province_valid_from = names.province_valid_from
    and names.name_rank = 1
left join department_ids
    on agencies.agency_code = department_ids.agency_code
    and agencies.province_valid_from = department_ids.province_valid_from
    and department_ids.id_rank = 1
left join portal_types
    on agencies.agency_code = portal_types.agency_code
    and agencies.province_valid_from = portal_types.province_valid_from
    and portal_types.type_rank = 1
left join portal_levels
    on agencies.agency_code = portal_levels.agency_code
    and agencies.province_valid_from = portal_levels.province_valid_from
    and portal_levels.level_rank = 1
