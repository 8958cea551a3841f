-- Where each learned agency (int_agencies) belongs: its kind and its administrative unit, decided from the
-- identifier's structure (QĐ 20/2020/QĐ-TTg, macro chiso_agency_code_shape), the type the portal states, the
-- agency's names and the override seed — never guessed: what cannot be decided is kept with admin_unit_code
-- null and the reason (reported by mart_unknown_agency_codes).
--
-- Kind. The portal's departmentType (else its level) when the identifier's shape allows it, else the shape:
--   root (H44)                         province (the province's People's Committee)
--   two digits (H44.07)                provincial_department; before the two-tier date (var chiso_two_tier_from,
--                                      1 July 2025) also a district committee: the portal's type, else a name
--                                      whose unit word is huyện / quận / thị xã / thành phố ("UBND Huyện Ba Bể")
--                                      or a committee's name without unit word ("UBND Kỳ Anh"); a commune's or
--                                      province's committee name there contradicts the code
--   three digits (H44.100)             commune_committee, from the two-tier date
--   more levels, malformed             not placed (sub_unit, malformed_code)
-- Admin unit.
--   province, provincial_department    the province version itself (match_method code)
--   district_committee                 the district of that old province whose name key equals one of the
--   commune_committee                  agency's names (match_method name); the commune of that new province
--                                      likewise; several candidates: the one with the same unit word, then the
--                                      one whose full name ends the agency's, else ambiguous_name
--   seed agency_overrides              a human decision, by code or departmentId and validity, wins over all
--                                      of the above (match_method override)
with

stated as (

    -- what the portal states: departmentType, else the tree groups' level
    select
        agencies.*,
        coalesce(
            agencies.department_type,
            case agencies.department_level
                when 'COMMUNE' then 'COMMUNE_PEOPLE_COMMITTEE'
                when 'DISTRICT' then 'DISTRICT_PEOPLE_COMMITTEE'
                when 'PROVINCE' then
                    case when agencies.agency_code like '%.%' then 'PROVINCIAL_DEPARTMENT' else 'PROVINCE' end
            end
        ) as portal_type
    from {{ ref('int_agencies') }} as agencies

),

agencies as (

    select
        stated.*,
        {{ chiso_agency_code_shape('stated.agency_code') }} as code_shape,
        stated.valid_from >= cast('{{ var("chiso_two_tier_from") }}' as date) as is_two_tier,
        case
            when stated.portal_type is null then null
            when stated.portal_type = 'PROVINCE' then 'province'
            when stated.portal_type = 'PROVINCIAL_DEPARTMENT' then 'provincial_department'
            when stated.portal_type = 'DISTRICT_PEOPLE_COMMITTEE' then 'district_committee'
            when stated.portal_type = 'COMMUNE_PEOPLE_COMMITTEE' then 'commune_committee'
            else 'other'
        end as portal_kind
    from stated

),

seen_names as (

    select distinct
        agency_code,
        province_valid_from as valid_from,
        agency_name
    from {{ ref('int_agency_sightings') }}
    where agency_code is not null
        and agency_name is not null
        and province_code is not null

),

names as (

    -- the keys of each distinct name once (the sightings repeat names per batch)
    select
        agency_code,
        valid_from,
        agency_name,
        {{ chiso_name_key('agency_name') }} as name_key,
        {{ chiso_name_unit_word('agency_name') }} as unit_word,
        {{ chiso_name_ascii('agency_name') }} like 'ubnd %'
            or {{ chiso_name_ascii('agency_name') }} like 'uy ban nhan dan %' as is_committee_name
    from seen_names

),

name_words as (

    -- "UBND Huyện Ba Bể", "Thị xã Kỳ Anh", "UBND Kỳ Anh": a district committee's name; "UBND Xã …": a
    -- committee of another level
    select
        agency_code,
        valid_from,
        max(
            case
                when unit_word in ('huyen', 'quan', 'thi xa', 'thanh pho') then 1
                when is_committee_name and unit_word is null then 1
                else 0
            end
        ) = 1 as has_district_name,
        max(case when is_committee_name and unit_word is not null then 1 else 0 end) = 1 as has_committee_name
    from names
    group by agency_code, valid_from

),

kinds as (

    select
        agencies.*,
        name_words.agency_code is not null as has_name,
        case
            when agencies.code_shape = 'root' then
                case when coalesce(agencies.portal_kind, 'province') = 'province' then 'province' end
            when agencies.code_shape = 'two_digit' and agencies.is_two_tier then
                case
                    when coalesce(agencies.portal_kind, 'provincial_department') = 'provincial_department'
                        then 'provincial_department'
                end
            when agencies.code_shape = 'two_digit' then
                case
                    when agencies.portal_kind in ('provincial_department', 'district_committee')
                        then agencies.portal_kind
                    when agencies.portal_kind is not null then null
                    when name_words.has_district_name then 'district_committee'
                    when name_words.has_committee_name then null
                    when name_words.agency_code is not null then 'provincial_department'
                end
            when agencies.code_shape = 'three_digit' and agencies.is_two_tier then
                case
                    when coalesce(agencies.portal_kind, 'commune_committee') = 'commune_committee'
                        then 'commune_committee'
                end
        end as agency_kind,
        case
            when agencies.code_shape = 'malformed' then 'malformed_code'
            when agencies.code_shape = 'sub_unit' then 'sub_unit'
            when agencies.code_shape = 'three_digit' and not agencies.is_two_tier then 'commune_code_before_two_tier'
            when agencies.code_shape = 'two_digit' and not agencies.is_two_tier and agencies.portal_kind is null
                and name_words.agency_code is null then 'kind_undetermined'
            else 'type_conflicts_with_code'
        end as kind_failure
    from agencies
    left join name_words
        on agencies.agency_code = name_words.agency_code
        and agencies.valid_from = name_words.valid_from

),

admin_units as (

    select
        unit_code,
        unit_valid_from,
        unit_valid_to,
        unit_name,
        unit_level,
        parent_unit_code,
        {{ chiso_name_key('unit_name') }} as name_key,
        {{ chiso_name_unit_word('unit_name') }} as unit_word
    from {{ ref('int_admin_unit_history') }}
    where unit_level in ('district', 'commune')

),

candidates as (

    -- committees: the units of the level their kind implies, in their province, valid when the agency starts,
    -- whose name key equals one of the agency's; score 2 for the same unit word, 1 for the same spelling
    select
        kinds.agency_code,
        kinds.valid_from,
        admin_units.unit_code,
        admin_units.unit_valid_from,
        max(
            case when names.unit_word = admin_units.unit_word then 2 else 0 end
            + case
                when lower(names.agency_name) = lower(admin_units.unit_name)
                    or {{ dbt.right('lower(names.agency_name)', 'length(admin_units.unit_name) + 1') }}
                        = ' ' || lower(admin_units.unit_name)
                    then 1
                else 0
            end
        ) as score
    from kinds
    inner join names
        on kinds.agency_code = names.agency_code
        and kinds.valid_from = names.valid_from
    inner join admin_units
        on admin_units.name_key = names.name_key
        and admin_units.parent_unit_code = kinds.province_code
        and admin_units.unit_level = case kinds.agency_kind
            when 'district_committee' then 'district'
            when 'commune_committee' then 'commune'
        end
        and kinds.valid_from >= admin_units.unit_valid_from
        and kinds.valid_from <= coalesce(admin_units.unit_valid_to, cast('9999-12-31' as date))
    where kinds.agency_kind in ('district_committee', 'commune_committee')
    group by kinds.agency_code, kinds.valid_from, admin_units.unit_code, admin_units.unit_valid_from

),

best as (

    select
        agency_code,
        valid_from,
        unit_code,
        unit_valid_from,
        count(*) over (partition by agency_code, valid_from, score) as tied,
        row_number() over (partition by agency_code, valid_from order by score desc, unit_code) as preference
    from candidates

),

name_matches as (

    select
        agency_code,
        valid_from,
        case when tied = 1 then unit_code end as unit_code,
        case when tied = 1 then unit_valid_from end as unit_valid_from,
        case when tied > 1 then 'ambiguous_name' end as failure
    from best
    where preference = 1

),

automatic as (

    select
        kinds.*,
        case
            when kinds.agency_kind in ('province', 'provincial_department') then kinds.province_code
            else name_matches.unit_code
        end as admin_unit_code,
        case
            when kinds.agency_kind in ('province', 'provincial_department') then kinds.province_valid_from
            else name_matches.unit_valid_from
        end as admin_unit_valid_from,
        case
            when kinds.agency_kind is null then kinds.kind_failure
            when kinds.agency_kind in ('province', 'provincial_department') then null
            when not kinds.has_name then 'no_name'
            when name_matches.agency_code is null then 'no_unit_with_name'
            else name_matches.failure
        end as unmatched_reason,
        case
            when kinds.agency_kind in ('province', 'provincial_department') then 'code'
            when name_matches.unit_code is not null then 'name'
            else 'unmatched'
        end as match_method
    from kinds
    left join name_matches
        on kinds.agency_code = name_matches.agency_code
        and kinds.valid_from = name_matches.valid_from

),

overrides as (

    select
        automatic.agency_code,
        automatic.valid_from,
        nullif(agency_overrides.agency_kind, '') as agency_kind,
        nullif(agency_overrides.admin_unit_code, '') as admin_unit_code,
        agency_overrides.admin_unit_valid_from,
        agency_overrides.decided_by,
        agency_overrides.decided_on,
        agency_overrides.reason,
        row_number() over (
            partition by automatic.agency_code, automatic.valid_from
            order by agency_overrides.decided_on desc
        ) as override_rank
    from automatic
    inner join {{ ref('agency_overrides') }} as agency_overrides
        on (
            automatic.agency_code = agency_overrides.agency_code
            or automatic.dvcqg_department_id = agency_overrides.dvcqg_department_id
        )
        and automatic.valid_from >= agency_overrides.valid_from
        and automatic.valid_from <= coalesce(agency_overrides.valid_to, cast('9999-12-31' as date))

)

select
    -- ids
    automatic.agency_code,
    automatic.valid_from,
    automatic.valid_to,
    automatic.province_code,
    automatic.province_valid_from,
    automatic.dvcqg_department_id,

    -- as learned
    automatic.agency_name,
    automatic.department_type,
    automatic.department_level,
    automatic.code_shape,
    automatic.first_seen_on,
    automatic.last_seen_on,
    automatic.seen_in_dossiers,
    automatic.seen_in_documents,
    automatic.seen_in_catalogue,
    automatic.seen_in_portal,
    automatic.row_count,

    -- as decided
    cast(coalesce(overrides.agency_kind, automatic.agency_kind, 'other') as {{ dbt.type_string() }}) as agency_kind,
    case
        when overrides.agency_code is not null then overrides.admin_unit_code
        else automatic.admin_unit_code
    end as admin_unit_code,
    case
        when overrides.agency_code is not null then overrides.admin_unit_valid_from
        else automatic.admin_unit_valid_from
    end as admin_unit_valid_from,
    cast(case
        when overrides.agency_code is not null then 'override'
        else automatic.match_method
    end as {{ dbt.type_string() }}) as match_method,
    cast(case
        when overrides.agency_code is not null and overrides.admin_unit_code is null then 'override_unplaced'
        when overrides.agency_code is not null then null
        else automatic.unmatched_reason
    end as {{ dbt.type_string() }}) as unmatched_reason,
    overrides.decided_by as override_decided_by,
    overrides.decided_on as override_decided_on,
    overrides.reason as override_reason
from automatic
left join overrides
    on automatic.agency_code = overrides.agency_code
    and automatic.valid_from = overrides.valid_from
    and overrides.override_rank = 1
