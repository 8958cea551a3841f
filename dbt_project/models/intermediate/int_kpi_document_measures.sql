-- electronic_document_share per unit series x period: non-secret electronic documents / non-secret
-- documents, by issue date. A document listed in two exports counts once (latest export). Below the
-- province: the unit the registering agency maps to in the agency crosswalk (int_agency_units).
with

document_rows as (

    select * from {{ ref('stg_qlvb__document') }}

),

documents as (

    select *
    from (
        select
            document_rows.*,
            row_number() over (
                partition by agency_code, direction, document_number, issued_on
                order by period_month desc, source_file desc, source_row desc
            ) as row_rank
        from document_rows
        where issued_on is not null
    ) as ranked
    where row_rank = 1

),

units as (

    select * from {{ ref('int_admin_units') }}

),

unit_candidates as (

    select
        documents.agency_code,
        documents.direction,
        documents.document_number,
        documents.issued_on,
        documents.form,
        documents.confidentiality,
        units.unit_code,
        units.unit_valid_from,
        row_number() over (
            partition by documents.agency_code, documents.direction, documents.document_number, documents.issued_on
            order by
                {{ chiso_unit_preference("documents.issued_on") }}
        ) as unit_rank
    from documents
    inner join units
        on units.agency_prefix = {{ chiso_agency_prefix('documents.agency_code') }}

),

attributed as (

    select * from unit_candidates where unit_rank = 1

),

members as (

    select * from {{ ref('int_unit_series_members') }}

),

periods as (

    select * from {{ ref('int_periods') }}

),

agency_units as (

    select * from {{ ref('int_agency_units') }}

),

unit_documents as (

    -- the province series (agency prefix) ...
    select
        members.unit_code,
        members.unit_valid_from,
        attributed.issued_on,
        attributed.form,
        attributed.confidentiality
    from attributed
    inner join members
        on attributed.unit_code = members.member_unit_code
        and attributed.unit_valid_from = members.member_unit_valid_from

    union all

    -- ... and the unit below the province the registering agency maps to on the issue date (crosswalk)
    select
        agency_units.unit_code,
        agency_units.unit_valid_from,
        documents.issued_on,
        documents.form,
        documents.confidentiality
    from documents
    inner join agency_units
        on documents.agency_code = agency_units.agency_code
        and documents.issued_on >= agency_units.agency_valid_from
        and documents.issued_on <= coalesce(agency_units.agency_valid_to, cast('9999-12-31' as date))

)

select
    unit_documents.unit_code,
    unit_documents.unit_valid_from,
    periods.period_type,
    periods.period_start,
    cast('electronic_document_share' as {{ dbt.type_string() }}) as kpi_code,
    cast(sum(case when unit_documents.form = 'electronic' then 1 else 0 end) as {{ dbt.type_bigint() }}) as numerator,
    cast(count(*) as {{ dbt.type_bigint() }}) as denominator
from unit_documents
inner join periods
    on unit_documents.issued_on >= periods.period_start
    and unit_documents.issued_on < periods.period_end_exclusive
-- secret documents are excluded; a missing confidentiality is read as normal (Thường, the default)
where coalesce(unit_documents.confidentiality, 'normal') = 'normal'
group by 1, 2, 3, 4
