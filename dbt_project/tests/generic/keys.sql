{#- A model's keys in one test: the columns that must never be null and the column combinations that must be
    unique, checked in one node (one aggregate over the rows for every not-null column, one grouping per key),
    where one test a column made a dbt node each (20-30 ms of dbt's own work apiece, whatever the table's
    size).

    Each failing check is one row: what failed (`null` or `duplicate key`), on which column(s), and how many
    rows (the null rows; the rows that share a duplicated key). dbt counts the rows, not the checks
    (fail_calc), so a failure reads "Got 12 results" for twelve bad rows, as the one-column tests did.

    A key's rows are compared with nulls equal, as GROUP BY does: two rows with the same key and a null in the
    same key column are duplicates. With `where` the test reads only those rows (see get_where_subquery).

        data_tests:
          - keys:
              arguments:
                not_null: [dossier_code]
                unique: [[dossier_code]]
-#}
{% test keys(model, not_null=[], unique=[]) %}
{{ config(fail_calc='coalesce(sum(failing_rows), 0)') }}
{%- if not not_null and not unique %}
    {{ exceptions.raise_compiler_error("keys on " ~ model ~ ": name its not_null columns or its unique keys") }}
{%- endif %}

with scoped as (

    select * from {{ model }}

){% if not_null %},

nulls as (

    select
        {%- for column in not_null %}
        sum(case when {{ column }} is null then 1 else 0 end) as nulls_{{ loop.index }}{{ "," if not loop.last }}
        {%- endfor %}
    from scoped

){% endif %},

checks as (

    {%- set checks = [] %}
    {%- for column in not_null %}
    {%- do checks.append("select 'null' as failure, '" ~ column ~ "' as key_columns, nulls_" ~ loop.index
        ~ " as failing_rows from nulls") %}
    {%- endfor %}
    {%- for key in unique %}
    {%- do checks.append("select 'duplicate key' as failure, '" ~ key | join(', ') ~ "' as key_columns, "
        ~ "sum(n_rows) as failing_rows from (select count(*) as n_rows from scoped group by "
        ~ key | join(', ') ~ " having count(*) > 1) as duplicated") %}
    {%- endfor %}
    {{ checks | join('\n    union all\n    ') }}

)

select failure, key_columns, failing_rows
from checks
where failing_rows > 0

{% endtest %}
