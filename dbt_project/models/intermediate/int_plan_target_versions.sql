-- Plan targets as versions: one row per target row of a loaded plan workbook. Targets for the same KPI x unit
-- x horizon form a history ordered by document date (then document number, then row): each version applies
-- from its document's date until the day before the next version's document date (version_valid_to null =
-- still in force). Nothing is deleted: which target applied when, and by which document, stays queryable.
with

items as (

    select * from {{ ref('stg_plans__item') }}
    where sheet = 'target'

),

versions as (

    select
        items.*,
        lead(document_date) over version_window as superseded_on,
        lead(item_id) over version_window as superseded_by_target_id,
        row_number() over version_window as version_number
    from items
    window version_window as (
        partition by kpi_code, unit_code, unit_valid_from, horizon_date
        order by document_date, document_number, item_id
    )

)

select
    item_id as target_id,
    kpi_code,
    unit_level,
    unit_code,
    unit_valid_from,
    province_code,
    value as target_value,
    direction,
    case direction when 'decrease' then '<=' else '>=' end as comparator,
    horizon_date,
    baseline_value,
    baseline_date,
    document_number,
    document_date,
    issuing_body,
    document_article,
    is_verified,
    note,
    cast(version_number as {{ dbt.type_int() }}) as version_number,
    document_date as version_valid_from,
    case
        when superseded_on is not null then cast({{ dbt.dateadd('day', -1, 'superseded_on') }} as date)
    end as version_valid_to,
    superseded_by_target_id,
    batch_id,
    source_file,
    source_row,
    sheet_row
from versions
