-- Old -> new administrative units with the relation (whole | part). Provinces: ref_provinces (all 63 old
-- provinces); a province missing from it would be derived from the commune crosswalk (whole when all the old
-- province's communes went to one new province). Communes (and the districts made special zones): the statistics office's crosswalk.
with

sample_links as (

    select
        unit_code as old_unit_code,
        unit_valid_from as old_unit_valid_from,
        unit_valid_to as old_unit_valid_to,
        successor_unit_code as new_unit_code,
        successor_unit_valid_from as new_unit_valid_from,
        'province' as unit_level,
        successor_relation as relation,
        cast('ref_provinces' as {{ dbt.type_string() }}) as source_version,
        cast(null as {{ dbt.type_string() }}) as note
    from {{ ref('int_admin_units') }}
    where successor_unit_code is not null

),

crosswalk as (

    select * from {{ ref('admin_crosswalk_2025_07') }}

),

province_pairs as (

    select distinct old_province_code, new_province_code
    from crosswalk

),

province_fanout as (

    select old_province_code, count(*) as n_new
    from province_pairs
    group by old_province_code

),

province_links as (

    select
        province_pairs.old_province_code as old_unit_code,
        cast('1900-01-01' as date) as old_unit_valid_from,
        cast('2025-06-30' as date) as old_unit_valid_to,
        province_pairs.new_province_code as new_unit_code,
        cast('2025-07-01' as date) as new_unit_valid_from,
        'province' as unit_level,
        case when province_fanout.n_new = 1 then 'whole' else 'part' end as relation,
        cast('nso-crosswalk-2025-07-01' as {{ dbt.type_string() }}) as source_version,
        cast(null as {{ dbt.type_string() }}) as note
    from province_pairs
    inner join province_fanout
        on province_pairs.old_province_code = province_fanout.old_province_code
    where province_pairs.old_province_code not in (select old_unit_code from sample_links)

),

commune_links as (

    select
        old_unit_code,
        cast('1900-01-01' as date) as old_unit_valid_from,
        cast('2025-06-30' as date) as old_unit_valid_to,
        new_commune_code as new_unit_code,
        cast('2025-07-01' as date) as new_unit_valid_from,
        old_unit_level as unit_level,
        relation,
        cast('nso-crosswalk-2025-07-01' as {{ dbt.type_string() }}) as source_version,
        relation_raw as note
    from crosswalk

)

select * from sample_links
union all
select * from province_links
union all
select * from commune_links
