{# Data tests on the large incremental tables can be scoped to the rows the current build wrote.

   A test configured with `where: "__chiso_changed_rows__"` reads the rows whose refreshed_through is the
   watermark this build stamps on what it writes (the manifest's newest load time of a loaded batch, as in
   int_dossier_latest and int_document_latest). In a full build every row carries it, so every row is tested; in
   an incremental build, only the rows the new batches changed, and none when they changed nothing there (a day
   of dossiers does not re-test the million documents of the last build).
   The keys of those tables are enforced by delete+insert on the key, so a daily build tests what it changed
   and a full refresh (on every change of the dbt project, or `chiso build --full-refresh`) tests everything.
   This overrides dbt's get_where_subquery (the documented hook for custom where placeholders). #}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- if '__chiso_changed_rows__' in where -%}
            {%- set scoped = 'refreshed_through = (select max(loaded_at) from ' ~ source('loader', 'landing_manifest')
                ~ " where status = 'loaded')" -%}
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
