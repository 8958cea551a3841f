-- Agency identifiers seen in the facts that the agency crosswalk cannot place on the date they are used:
-- reported here, never guessed. Sources: dossiers (receipt date), documents (issue date), the online-service
-- catalogue (snapshot month) and the 766 units (period start; matched by departmentId or code, because two
-- endpoints publish no code). Reasons:
--   not_in_crosswalk  the identifier has no crosswalk row at all
--   outside_validity  it has rows, none valid on the date
--   no_admin_unit     a row is valid but was left unmatched (no admin unit)
-- Such rows count for no unit below the province; a dossier, document or service whose prefix is a known
-- province's still counts for that province (the prefix is the province's level-1 identifier).
--
-- Proportional to the new data: the dossiers and documents come from int_unplaced_agency_batch (per batch,
-- incremental, only the groups the crosswalk cannot place); the catalogue and the 766 units are small and
-- read whole here.
with

seen as (

    select
        'dvc_service' as source_dataset,
        agency_code,
        cast(null as {{ dbt.type_string() }}) as department_id,
        agency_name,
        snapshot_month as period_month,
        snapshot_month as reference_date
    from {{ ref('stg_dvc__service') }}

    union all

    select
        'dvc_766_unit',
        department_code,
        department_id,
        department_name,
        period_start,
        period_start
    from {{ ref('stg_dvc__766_unit') }}

),

grouped as (

    select
        row_number() over (
            order by source_dataset, agency_code, department_id, period_month, reference_date
        ) as seen_id,
        source_dataset,
        agency_code,
        department_id,
        period_month,
        reference_date,
        min(agency_name) as agency_name,
        count(*) as row_count
    from seen
    group by source_dataset, agency_code, department_id, period_month, reference_date

),

unplaced_small as (

    {{ chiso_unplaced_agency_groups('grouped') }}

),

unknown as (

    select source_dataset, agency_code, department_id, reason, agency_name, period_month, reference_date,
        row_count
    from {{ ref('int_unplaced_agency_batch') }}
    where reason is not null  -- not the per-batch markers

    union all

    select
        cast(source_dataset as {{ dbt.type_string() }}),
        agency_code,
        department_id,
        cast(reason as {{ dbt.type_string() }}),
        agency_name,
        period_month,
        reference_date,
        row_count
    from unplaced_small

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
    min(reference_date) as first_reference_date,
    max(reference_date) as last_reference_date,
    cast(count(distinct period_month) as integer) as period_count,
    cast(sum(row_count) as {{ dbt.type_bigint() }}) as row_count
from unknown
group by source_dataset, agency_code, department_id, reason
