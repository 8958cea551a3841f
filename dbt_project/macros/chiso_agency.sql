{# The groups of `grouped` (a CTE with a unique seen_id, agency_code, department_id, reference_date) that the
   agency crosswalk cannot place on an admin unit on their reference date, with the reason:
     not_in_crosswalk  the identifier has no crosswalk row at all (by agency_code or by department_id)
     outside_validity  it has rows, none valid on the date
     no_admin_unit     a row is valid but was left unmatched (no admin unit)
   Used by int_unplaced_agency_batch (dossier and document batches, evaluated when the batch is read: a change
   to the crosswalk seed makes chiso rebuild with --full-refresh) and mart_unknown_agency_codes (catalogue,
   766 units). #}
{% macro chiso_unplaced_agency_groups(grouped) -%}
    select
        {{ grouped }}.*,
        case
            when flags.seen_id is null then 'not_in_crosswalk'
            when flags.has_valid_row = 0 then 'outside_validity'
            else 'no_admin_unit'
        end as reason
    from {{ grouped }}
    left join (
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
        from (
            select candidates.seen_id, candidates.reference_date, crosswalk.valid_from, crosswalk.valid_to,
                crosswalk.admin_unit_code
            from {{ grouped }} as candidates
            inner join {{ ref('agency_crosswalk') }} as crosswalk
                on crosswalk.agency_code = candidates.agency_code

            union all

            select candidates.seen_id, candidates.reference_date, crosswalk.valid_from, crosswalk.valid_to,
                crosswalk.admin_unit_code
            from {{ grouped }} as candidates
            inner join {{ ref('agency_crosswalk') }} as crosswalk
                on crosswalk.dvcqg_department_id = candidates.department_id
        ) as candidate_rows
        group by seen_id
    ) as flags
        on {{ grouped }}.seen_id = flags.seen_id
    where coalesce(flags.has_matched_row, 0) = 0
{%- endmacro %}
