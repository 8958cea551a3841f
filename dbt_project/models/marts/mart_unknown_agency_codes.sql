-- Agency identifiers seen in the data that cannot be placed on an administrative unit on the date they are
-- used: reported here, never guessed. Sources (int_agency_sightings): dossiers (receipt date), documents (issue
-- date), the online-service catalogue (snapshot month) and the portal's 766 units (period start; two groups
-- publish a departmentId without code). Reasons:
--   no_code                   no identifier at all, or a portal unit without code whose departmentId no other
--                             response ties to one
--   unknown_prefix            the level-1 code is no province's prefix (ref_provinces)
--   outside_validity          the prefix is a province's, but no version of it is valid on the date
--   malformed_code, sub_unit, commune_code_before_two_tier, kind_undetermined, type_conflicts_with_code,
--   no_name, no_unit_with_name, ambiguous_name, override_unplaced
--                             the agency is learned (dim_agency) but not placed: int_agency_matches says why
-- Such rows count for no unit below the province; a row whose prefix is a known province's still counts for
-- that province (the prefix is the province's level-1 identifier).
with

sightings as (

    select * from {{ ref('int_agency_sightings') }}

),

agencies as (

    select agency_code, valid_from, dvcqg_department_id, admin_unit_code, unmatched_reason
    from {{ ref('int_agency_matches') }}

),

prefixes as (

    select distinct agency_prefix from {{ ref('int_admin_units') }}

),

coded_ids as (

    -- the departmentIds the learning ties to a code (UUIDs: one portal unit)
    select distinct dvcqg_department_id
    from agencies
    where dvcqg_department_id is not null

),

judged as (

    select
        sightings.*,
        case
            when sightings.agency_code is null and coded_ids.dvcqg_department_id is null then 'no_code'
            when sightings.agency_code is null then null
            when sightings.province_code is null and prefixes.agency_prefix is null then 'unknown_prefix'
            when sightings.province_code is null then 'outside_validity'
            when agencies.admin_unit_code is null then coalesce(agencies.unmatched_reason, 'no_unit_with_name')
        end as reason
    from sightings
    left join prefixes
        on sightings.agency_prefix = prefixes.agency_prefix
    left join agencies
        on sightings.agency_code = agencies.agency_code
        and sightings.province_valid_from = agencies.valid_from
    left join coded_ids
        on sightings.department_id = coded_ids.dvcqg_department_id

)

select
    source_dataset,
    agency_code,
    department_id,
    cast(reason as {{ dbt.type_string() }}) as reason,
    {{ chiso_agency_prefix('agency_code') }} as agency_prefix,
    min(agency_name) as agency_name,
    min(period_month) as first_period_month,
    max(period_month) as last_period_month,
    min(first_reference_date) as first_reference_date,
    max(last_reference_date) as last_reference_date,
    cast(count(distinct period_month) as integer) as period_count,
    cast(sum(row_count) as {{ dbt.type_bigint() }}) as row_count
from judged
where reason is not null
group by source_dataset, agency_code, department_id, reason
