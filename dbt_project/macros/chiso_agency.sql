{#- Agency identifiers (mã định danh, QĐ 20/2020/QĐ-TTg, amended by QĐ 09/2025/QĐ-TTg; docs/DOMAIN.md §6):
    a level-1 code "H" + 2 digits for a province's People's Committee (H44 = Phú Thọ, ref_provinces.agency_prefix),
    then ".NN" for the agencies directly under it (departments; before 1 July 2025 also the district People's
    Committees), ".NNN" (100-999) for the commune People's Committees of the two-tier local government from
    1 July 2025, and further levels for units below those. -#}

{#- The level-1 agency identifier: the part of a mã định danh before the first dot (H14.05 -> H14). -#}
{% macro chiso_agency_prefix(agency_code) -%}
    {{ dbt.split_part(agency_code, "'.'", 1) }}
{%- endmacro %}

{#- True when `part` is a non-empty run of digits (no regular expression: the same on both engines). -#}
{% macro chiso_is_digits(part) -%}
    ({{ part }} <> '' and translate({{ part }}, '0123456789', '') = '')
{%- endmacro %}

{#- The shape of an identifier:
      root         H + 2 digits (a province's People's Committee)
      two_digit    root + '.' + 2 digits (directly under the province: a department, or a district committee)
      three_digit  root + '.' + 3 digits (a commune committee of the two-tier government)
      sub_unit     more levels of digits (a unit below a department, a commune under a district …)
      malformed    anything else (null stays null) -#}
{% macro chiso_agency_code_shape(agency_code) -%}
    {%- set dots = "(length(" ~ agency_code ~ ") - length(replace(" ~ agency_code ~ ", '.', '')))" -%}
    {%- set root = dbt.split_part(agency_code, "'.'", 1) -%}
    {%- set level2 = "case when " ~ dots ~ " >= 1 then " ~ dbt.split_part(agency_code, "'.'", 2) ~ " end" -%}
    case
        when {{ agency_code }} is null then null
        when not (length({{ root }}) = 3 and substr({{ root }}, 1, 1) = 'H' and {{ chiso_is_digits('substr(' ~ root ~ ', 2)') }})
            then 'malformed'
        when {{ dots }} = 0 then 'root'
        when not {{ chiso_is_digits(level2) }} then 'malformed'
        when {{ dots }} = 1 and length({{ level2 }}) = 2 then 'two_digit'
        when {{ dots }} = 1 and length({{ level2 }}) = 3 then 'three_digit'
        when {{ dots }} = 1 then 'malformed'
        when {{ chiso_is_digits("replace(substr(" ~ agency_code ~ ", 5), '.', '')") }}
            and {{ agency_code }} not like '%..%' and {{ agency_code }} not like '%.' then 'sub_unit'
        else 'malformed'
    end
{%- endmacro %}
