{{
    config(
        materialized='incremental',
        unique_key=['agency_code', 'agency_valid_from'],
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}
-- depends_on: {{ ref('stg_loader__landing_manifest') }}
-- Tracks where each agency's rows count below the province, so that the monthly measures (incremental by
-- month) learn when that changed: agencies are learned from the data, so a load can place an agency for the
-- first time (a new commune committee, a portal response that tells a department's type), move it, or stop
-- placing it. One row per agency × validity with its reporting unit as of the last build that changed it (null
-- when it is not placed any more), the first day it is seen in the data, and changed_through = the manifest's
-- newest load time at that build. macro chiso_recompute_from rebuilds the months from first_seen_on of the rows
-- changed since a table's watermark.
--
-- Incremental: a run compares the current placements (int_agency_units, small) with this table and writes the
-- rows that differ.
with

current_units as (

    select
        agencies.agency_code,
        agencies.valid_from as agency_valid_from,
        agencies.first_seen_on,
        units.unit_code,
        units.unit_valid_from
    from {{ ref('int_agency_matches') }} as agencies
    left join {{ ref('int_agency_units') }} as units
        on agencies.agency_code = units.agency_code
        and agencies.valid_from = units.agency_valid_from

),

{% if is_incremental() %}
compared as (

    select
        coalesce(current_units.agency_code, previous.agency_code) as agency_code,
        coalesce(current_units.agency_valid_from, previous.agency_valid_from) as agency_valid_from,
        current_units.unit_code,
        current_units.unit_valid_from,
        case
            when previous.first_seen_on is null then current_units.first_seen_on
            when current_units.first_seen_on is null then previous.first_seen_on
            when current_units.first_seen_on < previous.first_seen_on then current_units.first_seen_on
            else previous.first_seen_on
        end as first_seen_on
    from current_units
    full outer join {{ this }} as previous
        on current_units.agency_code = previous.agency_code
        and current_units.agency_valid_from = previous.agency_valid_from
    -- a new placement, a placement gone, or a placement moved (an agency seen for the first time but not
    -- placed changes nothing the measures count)
    where (previous.agency_code is null and current_units.unit_code is not null)
        or (current_units.agency_code is null and previous.unit_code is not null)
        or (
            current_units.agency_code is not null
            and previous.agency_code is not null
            and (
                current_units.unit_code is distinct from previous.unit_code
                or current_units.unit_valid_from is distinct from previous.unit_valid_from
            )
        )

),
{% endif %}

changed as (

    {% if is_incremental() %}
    select * from compared
    {% else %}
    select * from current_units
    {% endif %}

)

select
    cast(agency_code as {{ dbt.type_string() }}) as agency_code,
    cast(agency_valid_from as date) as agency_valid_from,
    cast(unit_code as {{ dbt.type_string() }}) as unit_code,
    cast(unit_valid_from as date) as unit_valid_from,
    cast(first_seen_on as date) as first_seen_on,
    {{ chiso_built_through() }} as changed_through
from changed
