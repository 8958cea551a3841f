{{ config(tags=['raw_scan']) }}
-- Reporting periods come from dim_date (vars chiso_date_start .. chiso_date_end): data outside that range
-- would silently drop out of the marts. Widen the vars (and regenerate the holiday seed) if this fails.
with data_months as (
    select period_month as month_start, 'motcua_dossier' as dataset from {{ ref('stg_motcua__dossier') }}
    union all
    select period_month, 'qlvb_document' from {{ ref('stg_qlvb__document') }}
    union all
    select snapshot_month, 'dvc_service' from {{ ref('stg_dvc__service') }}
)
select dataset, min(month_start) as first_month, max(month_start) as last_month
from data_months
where month_start < cast('{{ var("chiso_date_start") }}' as date)
    or month_start >= cast('{{ var("chiso_date_end") }}' as date)
group by dataset
