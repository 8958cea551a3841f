-- Every target chiso knows, in one shape: the national seed kpi_targets (kept as verified, with its flags)
-- and the versions of the plan workbooks (int_plan_target_versions), plus the plan targets of a unit that
-- merged, carried to its successor for the periods after the merger (the succession bridge: provinces from
-- int_admin_units, communes from the 2025 crosswalk).
--   target_source: seed | plan | plan_successor
--   scope: a plan row for a province is scope province at level province; for a department or commune,
--          scope unit at that level (int_kpi_targets_applicable states what each scope covers)
--   version_valid_from / version_valid_to: the span a version applies in (null = always: the seed)
with

seed as (

    select * from {{ ref('kpi_targets') }}

),

plans as (

    select * from {{ ref('int_plan_target_versions') }}

),

provinces as (

    select * from {{ ref('int_admin_units') }}
    where successor_unit_code is not null

),

communes as (

    select distinct
        cast(old_unit_code as {{ dbt.type_string() }}) as old_unit_code,
        cast(new_commune_code as {{ dbt.type_string() }}) as new_unit_code
    from {{ ref('admin_crosswalk_2025_07') }}
    where old_unit_level = 'commune'

),

from_seed as (

    select
        cast(target_id as {{ dbt.type_string() }}) as target_id,
        cast(kpi_code as {{ dbt.type_string() }}) as kpi_code,
        cast(scope as {{ dbt.type_string() }}) as scope,
        cast(unit_code as {{ dbt.type_string() }}) as unit_code,
        cast(unit_valid_from as date) as unit_valid_from,
        cast(unit_level as {{ dbt.type_string() }}) as unit_level,
        cast(comparator as {{ dbt.type_string() }}) as comparator,
        cast(target_value as {{ chiso_exact(2) }}) as target_value,
        cast(target_text as {{ dbt.type_string() }}) as target_text,
        cast(horizon_date as date) as horizon_date,
        cast(baseline_value as {{ chiso_exact(2) }}) as baseline_value,
        cast(baseline_date as date) as baseline_date,
        cast(legal_basis_document as {{ dbt.type_string() }}) as legal_basis_document,
        cast(legal_basis_date as date) as legal_basis_date,
        cast(legal_basis_article as {{ dbt.type_string() }}) as legal_basis_article,
        cast(null as {{ dbt.type_string() }}) as legal_basis_issuer,
        cast(is_verified as {{ dbt.type_boolean() }}) as is_verified,
        cast(confidence as {{ dbt.type_string() }}) as confidence,
        cast('seed' as {{ dbt.type_string() }}) as target_source,
        cast(source_ref as {{ dbt.type_string() }}) as source_ref,
        cast(null as date) as version_valid_from,
        cast(null as date) as version_valid_to,
        cast(null as {{ dbt.type_string() }}) as superseded_by_target_id,
        cast(null as {{ dbt.type_string() }}) as inherited_from_unit_code,
        cast(null as {{ dbt.type_string() }}) as source_batch_id,
        cast(null as {{ dbt.type_string() }}) as source_file,
        cast(null as {{ dbt.type_int() }}) as source_row
    from seed

),

from_plans as (

    select
        target_id,
        kpi_code,
        cast(case when unit_level = 'province' then 'province' else 'unit' end as {{ dbt.type_string() }}) as scope,
        unit_code,
        unit_valid_from,
        unit_level,
        comparator,
        cast(target_value as {{ chiso_exact(2) }}) as target_value,
        cast(null as {{ dbt.type_string() }}) as target_text,
        horizon_date,
        cast(baseline_value as {{ chiso_exact(2) }}) as baseline_value,
        baseline_date,
        document_number as legal_basis_document,
        document_date as legal_basis_date,
        document_article as legal_basis_article,
        issuing_body as legal_basis_issuer,
        is_verified,
        cast(case when is_verified then 'verified' else 'unverified' end as {{ dbt.type_string() }}) as confidence,
        cast('plan' as {{ dbt.type_string() }}) as target_source,
        source_file as source_ref,
        version_valid_from,
        version_valid_to,
        superseded_by_target_id,
        cast(null as {{ dbt.type_string() }}) as inherited_from_unit_code,
        batch_id as source_batch_id,
        source_file,
        source_row
    from plans

),

successors as (

    -- a plan target of a province or commune that ended before the target's horizon, carried to each unit that
    -- succeeded it, from the successor's first day
    select
        from_plans.target_id,
        coalesce(provinces.successor_unit_code, communes.new_unit_code) as new_unit_code,
        coalesce(provinces.successor_unit_valid_from, cast('{{ var("chiso_two_tier_from") }}' as date))
            as new_unit_valid_from
    from from_plans
    left join provinces
        on from_plans.unit_level = 'province'
        and from_plans.unit_code = provinces.unit_code
        and from_plans.unit_valid_from = provinces.unit_valid_from
    left join communes
        on from_plans.unit_level = 'commune'
        and from_plans.unit_valid_from < cast('{{ var("chiso_two_tier_from") }}' as date)
        and from_plans.unit_code = communes.old_unit_code
    where coalesce(provinces.successor_unit_code, communes.new_unit_code) is not null

),

carried as (

    select
        from_plans.target_id || '>' || successors.new_unit_code as target_id,
        from_plans.kpi_code,
        from_plans.scope,
        successors.new_unit_code as unit_code,
        successors.new_unit_valid_from as unit_valid_from,
        from_plans.unit_level,
        from_plans.comparator,
        from_plans.target_value,
        from_plans.target_text,
        from_plans.horizon_date,
        from_plans.baseline_value,
        from_plans.baseline_date,
        from_plans.legal_basis_document,
        from_plans.legal_basis_date,
        from_plans.legal_basis_article,
        from_plans.legal_basis_issuer,
        from_plans.is_verified,
        from_plans.confidence,
        cast('plan_successor' as {{ dbt.type_string() }}) as target_source,
        from_plans.source_ref,
        case
            when from_plans.version_valid_from > successors.new_unit_valid_from then from_plans.version_valid_from
            else successors.new_unit_valid_from
        end as version_valid_from,
        from_plans.version_valid_to,
        from_plans.superseded_by_target_id,
        from_plans.unit_code as inherited_from_unit_code,
        from_plans.source_batch_id,
        from_plans.source_file,
        from_plans.source_row
    from from_plans
    inner join successors
        on from_plans.target_id = successors.target_id
    where from_plans.horizon_date >= successors.new_unit_valid_from
        and (from_plans.version_valid_to is null or from_plans.version_valid_to >= successors.new_unit_valid_from)

)

select * from from_seed
union all
select * from from_plans
union all
select * from carried
