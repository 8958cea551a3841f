-- Every matched agency points at a unit of dim_admin_unit (composite key: code + valid_from), at the level
-- its kind implies; and one identifier never denotes two agencies on the same day.
select 'missing admin unit' as problem, a.agency_code, a.valid_from
from {{ ref('dim_agency') }} as a
left join {{ ref('dim_admin_unit') }} as d
    on a.admin_unit_code = d.unit_code and a.admin_unit_valid_from = d.unit_valid_from
where a.is_matched
    and d.unit_code is null
union all
select 'wrong level', a.agency_code, a.valid_from
from {{ ref('dim_agency') }} as a
where a.is_matched
    and a.admin_unit_level <> case a.agency_kind
        when 'district_committee' then 'district'
        when 'commune_committee' then 'commune'
        else 'province'
    end
union all
select 'overlapping validity', a.agency_code, a.valid_from
from {{ ref('dim_agency') }} as a
inner join {{ ref('dim_agency') }} as b
    on a.agency_code = b.agency_code
    and a.valid_from < b.valid_from
    and coalesce(a.valid_to, cast('9999-12-31' as date)) >= b.valid_from
