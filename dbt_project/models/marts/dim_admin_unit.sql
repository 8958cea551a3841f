-- Administrative units as a type-2 history keyed by (unit_code, unit_valid_from): provinces, districts and
-- communes before 1 July 2025 and provinces and communes from that day, with their names, levels, parents and
-- the agency-identifier prefix of the provinces (built in int_admin_unit_history).
select * from {{ ref('int_admin_unit_history') }}
