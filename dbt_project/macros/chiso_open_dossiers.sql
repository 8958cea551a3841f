{#- A dossier still open at a moment, and open within its deadline then: the 766 rule for dossiers not yet
    finished, written once for the monthly counts (int_dossier_month_measures) and for reports over other
    spans (fct_bieu06_reconciliation). `d` is the relation's alias, `at_expr` the moment (exclusive end). -#}

{#- 1 when the dossier is not finished before `at_expr`, else 0. -#}
{% macro chiso_open_at(d, at_expr) -%}
    case when {{ d }}.finished_at is null or {{ d }}.finished_at >= {{ at_expr }} then 1 else 0 end
{%- endmacro %}

{#- 1 when the dossier is open at `at_expr` and its deadline has not passed then, else 0; more than one
    supplement request makes it late whatever its deadline (var chiso_late_if_multiple_supplements). -#}
{% macro chiso_open_within_deadline(d, at_expr) -%}
    case
        when {{ d }}.finished_at is not null and {{ d }}.finished_at < {{ at_expr }} then 0
        {% if var('chiso_late_if_multiple_supplements') -%}
        when coalesce({{ d }}.supplement_count, 0) > 1 then 0
        {% endif -%}
        when {{ d }}.deadline_at is null or {{ d }}.deadline_at >= {{ at_expr }} then 1
        else 0
    end
{%- endmacro %}
