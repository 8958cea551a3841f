-- Agency identifiers seen in the facts that the agency crosswalk cannot place on the date they are used:
-- reported here, never guessed. Sources: dossiers (receipt date), documents (issue date), the online-service
-- catalogue (snapshot month) and the 766 units (period start; matched by departmentId or code, because two
-- endpoints publish no code). Reasons:
--   not_in_crosswalk  the identifier has no crosswalk row at all
--   outside_validity  it has rows, none valid on the date
--   no_admin_unit     a row is valid but was left unmatched (no admin unit)
-- Such rows count for no unit below the province; a dossier, document or service whose prefix is a known
-- province's still counts for that province (the prefix is the province's level-1 identifier).
with

crosswalk as (

    select * from {{ ref('agency_crosswalk') }}

),

seen as (

    select
        cast('motcua_dossier' as {{ dbt.type_string() }}) as source_dataset,
        agency_code,
        cast(null as {{ dbt.type_string() }}) as department_id,
        agency_name,
        period_month,
        cast(coalesce(received_at, period_month) as date) as reference_date
    from {{ ref('stg_motcua__dossier') }}

    union all

    select
        'qlvb_document',
        agency_code,
        cast(null as {{ dbt.type_string() }}),
        cast(null as {{ dbt.type_string() }}),  -- the register names the issuer, not the registering agency
        period_month,
        coalesce(issued_on, period_month)
    from {{ ref('stg_qlvb__document') }}

    union all

    select
        'dvc_service',
        agency_code,
        cast(null as {{ dbt.type_string() }}),
        agency_name,
        snapshot_month,
        snapshot_month
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
        count(*) as n_rows
    from seen
    group by source_dataset, agency_code, department_id, period_month, reference_date

),

candidate_rows as (

    select grouped.seen_id, grouped.reference_date, crosswalk.valid_from, crosswalk.valid_to, crosswalk.admin_unit_code
    from grouped
    inner join crosswalk
        on crosswalk.agency_code = grouped.agency_code

    union all

    select grouped.seen_id, grouped.reference_date, crosswalk.valid_from, crosswalk.valid_to, crosswalk.admin_unit_code
    from grouped
    inner join crosswalk
        on crosswalk.dvcqg_department_id = grouped.department_id

),

flags as (

    select
        seen_id,
        max(
            case
                when reference_date >= valid_from
                    and reference_date <= coalesce(valid_to, cast('9999-12-31' as date))
                    then 1
                else 0
            end
        ) as has_valid_row,
        max(
            case
                when reference_date >= valid_from
                    and reference_date <= coalesce(valid_to, cast('9999-12-31' as date))
                    and admin_unit_code is not null
                    then 1
                else 0
            end
        ) as has_matched_row
    from candidate_rows
    group by seen_id

),

unknown as (

    select
        grouped.*,
        case
            when flags.seen_id is null then 'not_in_crosswalk'
            when flags.has_valid_row = 0 then 'outside_validity'
            else 'no_admin_unit'
        end as reason
    from grouped
    left join flags
        on grouped.seen_id = flags.seen_id
    where coalesce(flags.has_matched_row, 0) = 0

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
    cast(sum(n_rows) as {{ dbt.type_bigint() }}) as row_count
from unknown
group by source_dataset, agency_code, department_id, reason
