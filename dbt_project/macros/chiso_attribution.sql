{#- Which units a fact row counts for, written once. A row (a dossier, a document, a catalogue service) counts
    1. for its province: the province version of its agency prefix on its date (unit_code, unit_valid_from of
       the row, from int_province_by_prefix) — attribution 'province'; and through int_unit_attribution for every
       series that province belongs to (itself and its whole successors: int_unit_series_members);
    2. for the unit below the province its agency maps to on that date (int_agency_units: the department
       itself, the old district or the new commune) — attribution 'agency'; an agency that is not placed counts
       for no unit below the province (see mart_unknown_agency_codes).

    chiso_attributed(rows, date_expr): the rows of the CTE `rows` (with unit_code, unit_valid_from, agency_code)
    once per unit they count for, with attribution, attributed_unit_code and attributed_unit_valid_from in
    front; date_expr is the row's date as a date (e.g. "cast(dossiers.received_at as date)"). The monthly
    measures count by (attribution, attributed unit); int_unit_attribution then maps each to the reporting
    units of mart_kpi_progress. -#}
{% macro chiso_attributed(rows, date_expr) -%}
    select
        cast('province' as {{ dbt.type_string() }}) as attribution,
        {{ rows }}.unit_code as attributed_unit_code,
        {{ rows }}.unit_valid_from as attributed_unit_valid_from,
        {{ rows }}.*
    from {{ rows }}
    where {{ rows }}.unit_code is not null

    union all

    select
        cast('agency' as {{ dbt.type_string() }}),
        agency_units.unit_code,
        agency_units.unit_valid_from,
        {{ rows }}.*
    from {{ rows }}
    inner join {{ ref('int_agency_units') }} as agency_units
        on {{ rows }}.agency_code = agency_units.agency_code
        and {{ date_expr }} >= agency_units.agency_valid_from
        and {{ date_expr }} <= coalesce(agency_units.agency_valid_to, cast('9999-12-31' as date))
{%- endmacro %}
