{{
    config(
        materialized='incremental',
        unique_key='batch_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        post_hook=["{{ chiso_delete_unloaded_batches() }}"]
    )
}}
-- depends_on: {{ ref('stg_loader__landing_manifest') }}
-- Every agency the loaded data name, per batch: what the agency learning (int_agencies, int_agency_matches)
-- and mart_unknown_agency_codes read. One row per batch × agency identifier × portal departmentId × name ×
-- portal type and level × export month × province version, from
--   the one-stop-shop dossiers   agency_code, agency_name; dated by receipt (else the export month)
--   the document register        agency_code (the register names the issuer, not the registering agency);
--                                dated by issue (else the export month)
--   the online-service catalogue agency_code, agency_name; dated by the snapshot month
--   the portal's 766 responses   departmentCode, departmentId, departmentName, departmentType, level; dated by
--                                the period start (two groups publish no code: their rows carry the root's
--                                prefix and are tied to a code through the departmentId in int_agencies)
-- province_code / province_valid_from: the province version whose agency prefix is the identifier's level-1
-- code and which is valid on the row's date (int_province_by_prefix); null when there is none (an unknown
-- prefix, or a prefix outside its validity): such identifiers are reported, never placed.
--
-- Incremental by batch: a run reads only the rows of batches loaded after the table's watermark
-- (refreshed_through); rows of batches no longer loaded (superseded by a corrected export) are deleted
-- (post-hook). Nothing here depends on how agencies are matched: learning happens downstream, over all batches.
with

manifest as (

    select batch_id, dataset, loaded_at
    from {{ ref('stg_loader__landing_manifest') }}
    where load_status = 'loaded'

),

read_batches as (

    select batch_id
    from manifest
    where dataset in ('motcua_dossier', 'qlvb_document', 'dvc_service', 'dvc_766_unit')
    {% if is_incremental() %}
        and loaded_at > {{ chiso_watermark() }}
    {% endif %}

),

seen as (

    select
        batch_id,
        cast('motcua_dossier' as {{ dbt.type_string() }}) as source_dataset,
        agency_code,
        cast(null as {{ dbt.type_string() }}) as department_id,
        agency_name,
        cast(null as {{ dbt.type_string() }}) as department_type,
        cast(null as {{ dbt.type_string() }}) as department_level,
        {{ chiso_agency_prefix('agency_code') }} as agency_prefix,
        period_month,
        cast(coalesce(received_at, period_month) as date) as reference_date
    from {{ ref('stg_motcua__dossier') }}
    where batch_id in (select batch_id from read_batches)

    union all

    select
        batch_id,
        'qlvb_document',
        agency_code,
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}),
        {{ chiso_agency_prefix('agency_code') }},
        period_month,
        cast(coalesce(issued_on, period_month) as date)
    from {{ ref('stg_qlvb__document') }}
    where batch_id in (select batch_id from read_batches)

    union all

    select
        batch_id,
        'dvc_service',
        agency_code,
        cast(null as {{ dbt.type_string() }}),
        agency_name,
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}),
        {{ chiso_agency_prefix('agency_code') }},
        snapshot_month,
        snapshot_month
    from {{ ref('stg_dvc__service') }}
    where batch_id in (select batch_id from read_batches)

    union all

    select
        batch_id,
        'dvc_766_unit',
        department_code,
        department_id,
        department_name,
        department_type,
        department_level,
        {{ chiso_agency_prefix('coalesce(department_code, root_department_code)') }},
        period_start,
        period_start
    from {{ ref('stg_dvc__766_unit') }}
    where batch_id in (select batch_id from read_batches)

),

grouped as (

    -- by day first: the province version depends on the date; a day's rows are joined once
    select
        batch_id, source_dataset, agency_code, department_id, agency_name, department_type, department_level,
        agency_prefix, period_month, reference_date,
        count(*) as row_count
    from seen
    group by batch_id, source_dataset, agency_code, department_id, agency_name, department_type,
        department_level, agency_prefix, period_month, reference_date

),

placed as (

    select
        grouped.*,
        province.unit_code as province_code,
        province.unit_valid_from as province_valid_from
    from grouped
    left join {{ ref('int_province_by_prefix') }} as province
        on province.agency_prefix = grouped.agency_prefix
        and grouped.reference_date >= province.range_from
        and grouped.reference_date < province.range_to
        and province.is_valid_on_range

)

select
    -- ids
    cast(batch_id as {{ dbt.type_string() }}) as batch_id,
    cast(source_dataset as {{ dbt.type_string() }}) as source_dataset,
    cast(agency_code as {{ dbt.type_string() }}) as agency_code,
    cast(department_id as {{ dbt.type_string() }}) as department_id,
    cast(agency_prefix as {{ dbt.type_string() }}) as agency_prefix,
    cast(province_code as {{ dbt.type_string() }}) as province_code,
    cast(province_valid_from as date) as province_valid_from,

    -- attributes as seen
    cast(agency_name as {{ dbt.type_string() }}) as agency_name,
    cast(department_type as {{ dbt.type_string() }}) as department_type,
    cast(department_level as {{ dbt.type_string() }}) as department_level,
    cast(period_month as date) as period_month,

    -- measures
    cast(min(reference_date) as date) as first_reference_date,
    cast(max(reference_date) as date) as last_reference_date,
    cast(sum(row_count) as {{ dbt.type_bigint() }}) as row_count,

    -- watermark
    (select max(loaded_at) from manifest) as refreshed_through
from placed
group by batch_id, source_dataset, agency_code, department_id, agency_prefix, province_code, province_valid_from,
    agency_name, department_type, department_level, period_month
