{{
    config(
        materialized='incremental',
        unique_key='month_start',
        incremental_strategy='delete+insert',
        on_schema_change='fail'
    )
}}
-- depends_on: {{ ref('stg_loader__landing_manifest') }}
-- depends_on: {{ ref('int_agency_unit_changes') }}
-- depends_on: {{ ref('int_document_latest') }}
-- Non-secret documents and the electronic ones among them, per attribution unit x issue month: what
-- electronic_document_share is made of. attribution (macro chiso_attributed): 'province' = the province version
-- of the agency prefix on the issue date, 'agency' = the unit below the province the registering agency maps to
-- on the issue date, 'marker' = one row per rebuilt month. Incremental by month like
-- int_dossier_month_measures (macro chiso_recompute_from on int_document_latest).
with

{{ chiso_rebuilt_months('int_document_latest', 'qlvb_document') }}

documents as (

    select
        reported_unit_code as unit_code,
        reported_unit_valid_from as unit_valid_from,
        agency_code,
        issued_on,
        form
    from {{ ref('int_document_current') }}
    -- secret documents are excluded; a missing confidentiality is read as normal (Thường, the default)
    where issued_on is not null
        and coalesce(confidentiality, 'normal') = 'normal'
    {% if is_incremental() %}
        and issued_on >= (select rebuild.month_start from rebuild)
    {% endif %}

),

attributed as (

    {{ chiso_attributed('documents', 'documents.issued_on') }}

),

counted as (

    select
        attributed.attribution,
        attributed.attributed_unit_code as unit_code,
        attributed.attributed_unit_valid_from as unit_valid_from,
        rebuilt_months.month_start,
        count(*) as n_documents,
        sum(case when attributed.form = 'electronic' then 1 else 0 end) as n_electronic
    from attributed
    inner join rebuilt_months
        on attributed.issued_on >= rebuilt_months.month_start
        and attributed.issued_on < rebuilt_months.month_end_exclusive
    group by 1, 2, 3, 4

),

final as (

    select * from counted
    union all
    select 'marker', 'marker', cast('1900-01-01' as date), rebuilt_months.month_start, 0, 0
    from rebuilt_months

)

select
    cast(attribution as {{ dbt.type_string() }}) as attribution,
    cast(unit_code as {{ dbt.type_string() }}) as unit_code,
    cast(unit_valid_from as date) as unit_valid_from,
    cast(month_start as date) as month_start,
    cast(n_documents as {{ dbt.type_bigint() }}) as n_documents,
    cast(n_electronic as {{ dbt.type_bigint() }}) as n_electronic,
    {{ chiso_built_through() }} as built_through
from final
