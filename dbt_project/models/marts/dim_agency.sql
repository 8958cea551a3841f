-- Agencies (mã định danh) with the administrative unit each belongs to, per validity interval (seed
-- agency_crosswalk, made by scripts/make_agency_crosswalk.py). Keyed by (agency_code, valid_from): the same
-- identifier (H55.01) denotes the old and the new province's department. Unmatched agencies are kept with an
-- empty admin unit (is_matched = false): they are reported, not guessed.
with

crosswalk as (

    select * from {{ ref('agency_crosswalk') }}

),

units as (

    select * from {{ ref('dim_admin_unit') }}

),

agency_units as (

    select * from {{ ref('int_agency_units') }}

)

select
    crosswalk.agency_code,
    crosswalk.valid_from,
    crosswalk.valid_to,
    crosswalk.dvcqg_department_id,
    crosswalk.agency_name,
    crosswalk.name_key as agency_name_key,
    crosswalk.agency_kind,
    {{ chiso_agency_prefix('crosswalk.agency_code') }} as agency_prefix,
    crosswalk.admin_unit_code,
    crosswalk.admin_unit_valid_from,
    units.unit_name as admin_unit_name,
    units.unit_level as admin_unit_level,
    -- where the agency's KPIs are reported in mart_kpi_progress below the province (null: province root,
    -- unmatched or other)
    agency_units.unit_code as reporting_unit_code,
    agency_units.unit_valid_from as reporting_unit_valid_from,
    agency_units.unit_level as reporting_unit_level,
    agency_units.parent_unit_code as province_code,
    agency_units.parent_unit_valid_from as province_valid_from,
    crosswalk.match_method,
    crosswalk.admin_unit_code is not null as is_matched,
    crosswalk.valid_to is null as is_current,
    crosswalk.source
from crosswalk
left join units
    on crosswalk.admin_unit_code = units.unit_code
    and crosswalk.admin_unit_valid_from = units.unit_valid_from
left join agency_units
    on crosswalk.agency_code = agency_units.agency_code
    and crosswalk.valid_from = agency_units.agency_valid_from
