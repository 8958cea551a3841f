{# Data tests on the large incremental tables can be scoped to the rows the current build wrote.

   A test configured with `where: "__chiso_changed_rows__"` reads the rows whose refreshed_through is the
   table's newest: the rows this build wrote. In a full build every row carries that watermark, so every row
   is tested; in an incremental build, only the rows the new batches changed.
   The keys of those tables are enforced by delete+insert on the key, so a daily build tests what it changed
   and a full refresh (on every change of the dbt project, or `chiso build --full-refresh`) tests everything.
   This overrides dbt's get_where_subquery (the documented hook for custom where placeholders). #}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- if '__chiso_changed_rows__' in where -%}
            {%- set scoped = 'refreshed_through = (select max(refreshed_through) from ' ~ relation ~ ')' -%}
            {%- set where = where | replace('__chiso_changed_rows__', scoped) -%}
        {%- endif -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
