{{ config(materialized='view') }}
-- One row per dossier in its current state (int_dossier_judged: its latest export row, judged by the 766
-- rule), attributed to its province: the province version of its agency prefix on the day it was received
-- (else its export month), by the rule of int_province_by_prefix; null when the prefix is unknown. A view: one
-- join with a small table of date ranges, so a reader's filter reaches int_dossier_latest directly.
select
    judged.*,
    province.unit_code,
    province.unit_valid_from
from {{ ref('int_dossier_judged') }} as judged
left join {{ ref('int_province_by_prefix') }} as province
    on province.agency_prefix = {{ chiso_agency_prefix('judged.agency_code') }}
    and cast(coalesce(judged.received_at, judged.period_month) as date) >= province.range_from
    and cast(coalesce(judged.received_at, judged.period_month) as date) < province.range_to
