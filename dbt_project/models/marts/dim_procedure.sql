-- One row per administrative procedure code (thủ tục hành chính) seen in the dossiers or in the service
-- catalogue. Name and field (lĩnh vực) come from the procedure's latest dossier row that carries a name
-- (a procedure only in the catalogue: the name of its latest catalogue service, no field). online_level comes
-- from the latest snapshot in which a service of the procedure is published with a level: full when any
-- published service of that snapshot is full, else partial; null when no published service ever had one (not
-- offered online). is_fee_bearing: the catalogue's has_fee in the latest snapshot listing the procedure with
-- has_fee set (any state), true when any of its services there is fee-bearing; null outside the catalogue.
-- dossier_count: the dossiers whose current state (latest export row, int_dossier_current / fct_dossier)
-- carries the procedure.
--
-- Proportional to the new data: the dossier side reads int_procedure_batch (one row per batch x procedure,
-- incremental by batch) and one column of int_dossier_current, never the raw dossier rows; the catalogue is
-- small and read whole.
with

procedure_batches as (

    select * from {{ ref('int_procedure_batch') }}
    where procedure_code is not null

),

service_rows as (

    select * from {{ ref('stg_dvc__service') }}
    where procedure_code is not null

),

dossier_names as (

    select procedure_code, procedure_name, field_code, field_name
    from (
        select
            procedure_batches.*,
            row_number() over (
                partition by procedure_code
                order by
                    case when procedure_name is null then 1 else 0 end,
                    name_period_month desc,
                    name_updated_at desc nulls last,
                    name_source_file desc,
                    name_source_row desc
            ) as row_rank
        from procedure_batches
    ) as ranked
    where row_rank = 1

),

dossier_months as (

    select
        procedure_code,
        min(first_period_month) as first_period_month,
        max(last_period_month) as last_period_month
    from procedure_batches
    group by procedure_code

),

dossier_counts as (

    select procedure_code, count(*) as dossier_count
    from {{ ref('int_dossier_current') }}
    where procedure_code is not null
    group by procedure_code

),

catalogue_names as (

    select procedure_code, service_name
    from (
        select
            service_rows.*,
            row_number() over (
                partition by procedure_code
                order by
                    case when service_name is null then 1 else 0 end,
                    snapshot_month desc,
                    source_file desc,
                    source_row desc
            ) as row_rank
        from service_rows
    ) as ranked
    where row_rank = 1

),

published as (

    select *
    from service_rows
    where state = 'published'
        and online_level in ('full', 'partial')

),

level_snapshots as (

    select procedure_code, max(snapshot_month) as online_level_snapshot_month
    from published
    group by procedure_code

),

online_levels as (

    select
        level_snapshots.procedure_code,
        level_snapshots.online_level_snapshot_month,
        case
            when max(case when published.online_level = 'full' then 1 else 0 end) = 1 then 'full'
            else 'partial'
        end as online_level
    from level_snapshots
    inner join published
        on level_snapshots.procedure_code = published.procedure_code
        and level_snapshots.online_level_snapshot_month = published.snapshot_month
    group by level_snapshots.procedure_code, level_snapshots.online_level_snapshot_month

),

fee_snapshots as (

    select procedure_code, max(snapshot_month) as fee_snapshot_month
    from service_rows
    where has_fee is not null
    group by procedure_code

),

fees as (

    select
        fee_snapshots.procedure_code,
        max(case when service_rows.has_fee then 1 else 0 end) = 1 as is_fee_bearing
    from fee_snapshots
    inner join service_rows
        on fee_snapshots.procedure_code = service_rows.procedure_code
        and fee_snapshots.fee_snapshot_month = service_rows.snapshot_month
    where service_rows.has_fee is not null
    group by fee_snapshots.procedure_code

),

procedure_codes as (

    select procedure_code from procedure_batches
    union
    select procedure_code from service_rows

)

select
    -- ids
    procedure_codes.procedure_code,

    -- attributes
    coalesce(dossier_names.procedure_name, catalogue_names.service_name) as procedure_name,
    dossier_names.field_code,
    dossier_names.field_name,
    online_levels.online_level,
    online_levels.online_level_snapshot_month,
    fees.is_fee_bearing,

    -- dossiers
    dossier_months.first_period_month,
    dossier_months.last_period_month,
    coalesce(dossier_counts.dossier_count, 0) as dossier_count
from procedure_codes
left join dossier_names
    on procedure_codes.procedure_code = dossier_names.procedure_code
left join dossier_months
    on procedure_codes.procedure_code = dossier_months.procedure_code
left join dossier_counts
    on procedure_codes.procedure_code = dossier_counts.procedure_code
left join catalogue_names
    on procedure_codes.procedure_code = catalogue_names.procedure_code
left join online_levels
    on procedure_codes.procedure_code = online_levels.procedure_code
left join fees
    on procedure_codes.procedure_code = fees.procedure_code
