{#- The one rule for attributing a row to a unit when its agency prefix matches several unit versions
    (codes are re-used: 19 and 92 before and after 1 July 2025): prefer the version valid on the row's date,
    else the latest version. Use as the ORDER BY of a row_number() over the candidate units; `units` must be
    int_admin_units. -#}
{% macro chiso_unit_preference(date_expr, units='units') -%}
    case
        when {{ date_expr }}
            between {{ units }}.unit_valid_from and coalesce({{ units }}.unit_valid_to, cast('9999-12-31' as date))
            then 0
        else 1
    end,
    {{ units }}.unit_valid_from desc
{%- endmacro %}
