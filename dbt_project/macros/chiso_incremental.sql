-- Incremental helpers: the watermark of an incremental table, the post-hook that drops the rows of batches a
-- corrected export superseded, and the incremental-by-month machinery of the monthly measures
-- (int_dossier_month_measures, int_dossier_online_month, int_document_month_measures).

{# The months a measures table covers: every month of every reporting year in int_periods (a quarter or year
   that is not complete yet still needs its open-at-end figure on its own last day). #}
{% macro chiso_measure_months() -%}
    select distinct
        cast({{ dbt.dateadd('month', 'month_offsets.k', 'years.period_start') }} as date) as month_start,
        cast({{ dbt.dateadd('month', 'month_offsets.k + 1', 'years.period_start') }} as date) as month_end_exclusive
    from {{ ref('int_periods') }} as years
    cross join (
        {% for k in range(12) %}select {{ k }} as k{% if not loop.last %} union all {% endif %}{% endfor %}
    ) as month_offsets
    where years.period_type = 'year'
{%- endmacro %}

{# The first month an incremental run of a monthly measures table must rebuild (a scalar subquery; null =
   nothing to rebuild), the earliest of:
   - the month of the earliest `column` (recompute_from) of the rows `current_model` (int_dossier_counted,
     int_document_latest) rewrote since this table's watermark (built_through);
   - every month when a corrected export of the dataset superseded a batch since (its rows may be gone), or when
     the reporting range grew backwards;
   - the new months when the reporting range grew forwards;
   - the month an agency whose placement below the province changed since (int_agency_unit_changes: a new
     agency, a new admin unit, or one no longer placed) was first seen in the data: its rows count for another
     unit from there.
   built_through is the manifest's newest load time when the table was built (macro chiso_built_through). #}
{% macro chiso_recompute_from(months, current_model, dataset, column='recompute_from') -%}
(
    select least(
        (
            select cast({{ dbt.date_trunc('month', 'min(current_rows.' ~ column ~ ')') }} as date)
            from {{ ref(current_model) }} as current_rows
            where current_rows.refreshed_through > {{ chiso_watermark('built_through') }}
        ),
        (
            select min({{ months }}.month_start)
            from {{ months }}
            where exists (
                select 1
                from {{ ref('stg_loader__landing_manifest') }} as old_batch
                inner join {{ ref('stg_loader__landing_manifest') }} as new_batch
                    on old_batch.superseded_by_batch_id = new_batch.batch_id
                where old_batch.dataset = '{{ dataset }}'
                    and old_batch.load_status = 'superseded'
                    and new_batch.loaded_at > {{ chiso_watermark('built_through') }}
            )
                or {{ months }}.month_start < (select coalesce(min(built.month_start), cast('9999-12-31' as date)) from {{ this }} as built)
        ),
        (
            select min({{ months }}.month_start)
            from {{ months }}
            where {{ months }}.month_start > (select coalesce(max(built.month_start), cast('1900-01-01' as date)) from {{ this }} as built)
        ),
        (
            select cast({{ dbt.date_trunc('month', 'min(changes.first_seen_on)') }} as date)
            from {{ ref('int_agency_unit_changes') }} as changes
            where changes.changed_through > {{ chiso_watermark('built_through') }}
        )
    )
)
{%- endmacro %}

{# The watermark a monthly measures table stores on its rows (built_through): the manifest's newest load time
   at this build, the same value the tables it reads stamp on the rows they rewrite (refreshed_through). #}
{% macro chiso_built_through() -%}
    (
        select max(loaded_at)
        from {{ ref('stg_loader__landing_manifest') }}
        where load_status = 'loaded'
    )
{%- endmacro %}

{# The first day of the last month of a period, from its exclusive end. #}
{% macro chiso_last_month(period_end_exclusive) -%}
    cast({{ dbt.dateadd('month', -1, period_end_exclusive) }} as date)
{%- endmacro %}

{# The watermark of an incremental table: the newest value of `column` in it (refreshed_through = the manifest's
   newest load time when its rows were written; built_through for the monthly measures), 1900 when empty. #}
{% macro chiso_watermark(column='refreshed_through') -%}
    (select coalesce(max({{ column }}), cast('1900-01-01' as {{ dbt.type_timestamp() }})) from {{ this }})
{%- endmacro %}

{# Post-hook of the tables keyed by batch rows: delete the rows whose batch is no longer loaded (a corrected
   export superseded it), so that what a correction dropped disappears. #}
{% macro chiso_delete_unloaded_batches() -%}
    delete from {{ this }} where batch_id not in (
        select batch_id from {{ ref('stg_loader__landing_manifest') }} where load_status = 'loaded'
    )
{%- endmacro %}

{# The first three CTEs of a monthly measures table: `months` (every month of the reporting years),
   `rebuild` (incremental runs: the first month to rebuild, macro chiso_recompute_from) and `rebuilt_months`
   (the months this run writes). Emitted with a trailing comma. #}
{% macro chiso_rebuilt_months(current_model, dataset, column='recompute_from') -%}
months as (

    {{ chiso_measure_months() }}

),

{% if is_incremental() %}
rebuild as (

    select {{ chiso_recompute_from('months', current_model, dataset, column) }} as month_start

),
{% endif %}

rebuilt_months as (

    select months.*
    from months
    {% if is_incremental() %}
    where months.month_start >= (select rebuild.month_start from rebuild)
    {% endif %}

),
{%- endmacro %}
