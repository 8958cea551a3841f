-- electronic_document_share per unit series x period: non-secret electronic documents / non-secret
-- documents, by issue date. A document listed in two exports counts once (latest export).
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
                case
                    when documents.issued_on
                        between units.unit_valid_from and coalesce(units.unit_valid_to, cast('9999-12-31' as date))
                        then 0
                    else 1
                end,
                units.unit_valid_from desc
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

)

select
    members.unit_code,
    members.unit_valid_from,
    periods.period_type,
    periods.period_start,
    cast('electronic_document_share' as {{ dbt.type_string() }}) as kpi_code,
    cast(sum(case when attributed.form = 'electronic' then 1 else 0 end) as {{ dbt.type_bigint() }}) as numerator,
    cast(count(*) as {{ dbt.type_bigint() }}) as denominator
from attributed
inner join members
    on attributed.unit_code = members.member_unit_code
    and attributed.unit_valid_from = members.member_unit_valid_from
inner join periods
    on attributed.issued_on >= periods.period_start
    and attributed.issued_on < periods.period_end_exclusive
-- secret documents are excluded; a missing confidentiality is read as normal (Thường, the default)
where coalesce(attributed.confidentiality, 'normal') = 'normal'
group by 1, 2, 3, 4
