-- Agencies (mã định danh) learned from the loaded data — the portal's 766 responses, the one-stop-shop dossiers,
-- the online-service catalogue and the document register (int_agencies) — with the kind and the
-- administrative unit each belongs to (int_agency_matches: identifier structure, portal type, name keys, the
-- agency_overrides seed), and where its KPIs are reported below the province. Keyed by (agency_code,
-- valid_from): the same identifier (H55.01) denotes the old and the new province's department. Agencies that
-- cannot be placed keep an empty admin unit and the reason (is_matched = false): reported, not guessed.
with

agencies as (

    select * from {{ ref('int_agency_matches') }}

),

units as (

    select * from {{ ref('dim_admin_unit') }}

),

agency_units as (

    select * from {{ ref('int_agency_units') }}

)

select
    agencies.agency_code,
    agencies.valid_from,
    agencies.valid_to,
    agencies.dvcqg_department_id,
    agencies.agency_name,
    {{ chiso_name_key('agencies.agency_name') }} as agency_name_key,
    agencies.agency_kind,
    {{ chiso_agency_prefix('agencies.agency_code') }} as agency_prefix,
    agencies.admin_unit_code,
    agencies.admin_unit_valid_from,
    units.unit_name as admin_unit_name,
    units.unit_level as admin_unit_level,
    -- where the agency's KPIs are reported in mart_kpi_progress below the province (null: province root,
    -- unmatched or other)
    agency_units.unit_code as reporting_unit_code,
    agency_units.unit_valid_from as reporting_unit_valid_from,
    agency_units.unit_level as reporting_unit_level,
    agencies.province_code,
    agencies.province_valid_from,
    agencies.match_method,
    agencies.unmatched_reason,
    agencies.admin_unit_code is not null as is_matched,
    agencies.valid_to is null as is_current,
    -- as the portal states it
    agencies.department_type,
    agencies.department_level,
    -- where and when the identifier is seen
    agencies.first_seen_on,
    agencies.last_seen_on,
    agencies.seen_in_dossiers,
    agencies.seen_in_documents,
    agencies.seen_in_catalogue,
    agencies.seen_in_portal,
    agencies.row_count,
    agencies.override_decided_by,
    agencies.override_decided_on,
    agencies.override_reason
from agencies
left join units
    on agencies.admin_unit_code = units.unit_code
    and agencies.admin_unit_valid_from = units.unit_valid_from
left join agency_units
    on agencies.agency_code = agency_units.agency_code
    and agencies.valid_from = agency_units.agency_valid_from
