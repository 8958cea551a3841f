{#- Layers land in schemas named for the layer (staging, intermediate, marts, reference), the same on
    DuckDB and Postgres, so analysts query marts.mart_kpi_progress everywhere. Models without a custom
    schema go to the target's schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
