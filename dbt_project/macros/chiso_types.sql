{#- Cross-database helpers (DuckDB and Postgres). -#}

{% macro chiso_double() -%}
    double precision
{%- endmacro %}

{#- The exact type of published scores, ratios and money amounts (the portal publishes at most 2 decimals;
    6 keep every published digit). A FLOAT would turn 15.68 into 15.680000305175781. -#}
{% macro chiso_exact(scale=6) -%}
    decimal(18, {{ scale }})
{%- endmacro %}

{#- Round to `digits` decimals, returned as an exact decimal of that scale (Postgres has no
    round(double, int); DuckDB's plain `numeric` is decimal(18,3), so the precision is explicit). -#}
{% macro chiso_round(expr, digits=2) -%}
    cast(round(cast({{ expr }} as decimal(28, 8)), {{ digits }}) as {{ chiso_exact(digits) }})
{%- endmacro %}

{#- Percent 0-100 rounded to 2 decimals; null when the denominator is null or 0 (766: zero denominator
    gives no value, not 0). -#}
{% macro chiso_pct(numerator, denominator) -%}
    case
        when {{ denominator }} > 0
            then {{ chiso_round('100.0 * (' ~ numerator ~ ') / (' ~ denominator ~ ')') }}
    end
{%- endmacro %}

{#- Month number on a continuous scale (year * 12 + month), for month arithmetic on both engines. -#}
{% macro chiso_month_index(date_expr) -%}
    (cast(extract(year from {{ date_expr }}) as integer) * 12 + cast(extract(month from {{ date_expr }}) as integer))
{%- endmacro %}

{% macro chiso_add_days(days_expr, ts_expr) -%}
    cast({{ dbt.dateadd('day', days_expr, ts_expr) }} as date)
{%- endmacro %}

{#- A timestamp plus a (fractional) number of days, at one-second precision. -#}
{% macro chiso_add_fractional_days(ts_expr, days_expr) -%}
    {{ dbt.dateadd('second', 'cast(round(cast(coalesce(' ~ days_expr ~ ', 0) * 86400 as decimal(28, 8)), 0) as bigint)', ts_expr) }}
{%- endmacro %}
