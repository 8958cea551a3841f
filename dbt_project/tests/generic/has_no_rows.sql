{#- Fails (or warns, with severity: warn) when the model has any row: for report-style models whose rows are
    problems to look at (e.g. mart_unknown_agency_codes). -#}
{% test has_no_rows(model) %}

select *
from {{ model }}

{% endtest %}
