-- Every unit of the KPI mart and every succession link is a unit of dim_admin_unit (composite key);
-- department rows of the KPI mart are agencies, not administrative units: they must be in dim_agency.
select 'mart_kpi_progress' as source, m.unit_code, m.unit_valid_from
from {{ ref('mart_kpi_progress') }} as m
left join {{ ref('dim_admin_unit') }} as d
    on m.unit_code = d.unit_code and m.unit_valid_from = d.unit_valid_from
where d.unit_code is null
    and m.unit_kind = 'administrative_unit'
union all
select 'mart_kpi_progress department', m.unit_code, m.unit_valid_from
from {{ ref('mart_kpi_progress') }} as m
left join {{ ref('dim_agency') }} as a
    on m.unit_code = a.agency_code and m.unit_valid_from = a.valid_from
where a.agency_code is null
    and m.unit_kind = 'agency'
union all
select 'bridge old', b.old_unit_code, b.old_unit_valid_from
from {{ ref('bridge_admin_unit_succession') }} as b
left join {{ ref('dim_admin_unit') }} as d
    on b.old_unit_code = d.unit_code and b.old_unit_valid_from = d.unit_valid_from
where d.unit_code is null
union all
select 'bridge new', b.new_unit_code, b.new_unit_valid_from
from {{ ref('bridge_admin_unit_succession') }} as b
left join {{ ref('dim_admin_unit') }} as d
    on b.new_unit_code = d.unit_code and b.new_unit_valid_from = d.unit_valid_from
where d.unit_code is null
