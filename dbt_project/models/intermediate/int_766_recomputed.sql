-- Our recomputation of each published 766 group score from the counts the portal publishes beside it
-- (DOMAIN 3.2, rules reconstructed from live data: diagnostic, not legal):
--   dvc-progress-tree              20 × totalOnTime ÷ totalReceived
--   formality-online-payment-tree  6·A + min(2, 2.5·B) + 2.5·C; A = totalDossierOnlinePaymentSuccess ÷
--                                  totalDossierFinancialObligation, B = totalDossierOnlineFormalityPaymentSuccess
--                                  ÷ totalFeeFormality, C = totalFeeDossierFormality ÷ totalFeeFormality
--                                  (a term with a zero denominator counts 0)
--   transparency, dossier-digitized, handling-satisfaction: the sum of the published metric scores
--   provide-online-tree            unresolved (null)
with

measures as (

    select * from {{ ref('stg_dvc__766_measure') }}

),

pivoted as (

    select
        group_code,
        period_type,
        period_start,
        department_id,
        max(case when measure_code = 'totalReceived' then measure_value end) as total_received,
        max(case when measure_code = 'totalOnTime' then measure_value end) as total_on_time,
        max(case when measure_code = 'totalDossierOnlinePaymentSuccess' then measure_value end) as pay_success,
        max(case when measure_code = 'totalDossierFinancialObligation' then measure_value end) as pay_obligation,
        max(case when measure_code = 'totalDossierOnlineFormalityPaymentSuccess' then measure_value end)
            as pay_formality_success,
        max(case when measure_code = 'totalFeeDossierFormality' then measure_value end) as fee_dossier_formality,
        max(case when measure_code = 'totalFeeFormality' then measure_value end) as fee_formality,
        sum(case when measure_value is null then score end) as metric_score_sum,
        count(case when measure_value is null and score is not null then 1 end) as scored_metric_count
    from measures
    group by 1, 2, 3, 4

)

select
    group_code,
    period_type,
    period_start,
    department_id,
    case
        when group_code = 'dvc-progress-tree' then
            case when total_received > 0 then {{ chiso_round('20.0 * total_on_time / total_received') }} end
        when group_code = 'formality-online-payment-tree' then
            {{ chiso_round(
                '6.0 * coalesce(pay_success / nullif(pay_obligation, 0), 0)'
                ~ ' + least(2.0, 2.5 * coalesce(pay_formality_success / nullif(fee_formality, 0), 0))'
                ~ ' + 2.5 * coalesce(fee_dossier_formality / nullif(fee_formality, 0), 0)'
            ) }}
        when group_code in ('transparency', 'dossier-digitized', 'handling-satisfaction')
            and scored_metric_count > 0 then {{ chiso_round('metric_score_sum') }}
    end as recomputed_score,
    case
        when group_code = 'dvc-progress-tree' then '20 × totalOnTime ÷ totalReceived'
        when group_code = 'formality-online-payment-tree' then '6·A + min(2, 2.5·B) + 2.5·C'
        when group_code in ('transparency', 'dossier-digitized', 'handling-satisfaction') then 'sum of metric scores'
        else 'unresolved'
    end as recomputation_rule
from pivoted
