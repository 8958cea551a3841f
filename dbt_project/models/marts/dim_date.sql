-- One row per calendar day with Vietnam's public holidays and working days.
-- Working day = Monday-Friday and not a public holiday, or a make-up working Saturday (ngày làm bù) as the
-- `holidays` package knows them (DOMAIN open question 6: check each year's decision).
with

days as (

    {{ dbt.date_spine(
        datepart='day',
        start_date="cast('" ~ var('chiso_date_start') ~ "' as date)",
        end_date="cast('" ~ var('chiso_date_end') ~ "' as date)"
    ) }}

),

holidays as (

    select
        holiday_date,
        min(holiday_name) as holiday_name
    from {{ ref('vn_holidays') }}
    where day_kind = 'holiday'
    group by holiday_date

),

weekend_workdays as (

    select distinct holiday_date as workday_date
    from {{ ref('vn_holidays') }}
    where day_kind = 'weekend_workday'

),

final as (

    select
        cast(days.date_day as date) as date_day,
        cast(extract(year from days.date_day) as integer) as year_number,
        cast(extract(quarter from days.date_day) as integer) as quarter_number,
        cast(extract(month from days.date_day) as integer) as month_number,
        cast(extract(day from days.date_day) as integer) as day_of_month,
        -- 0 = Sunday ... 6 = Saturday on both engines
        cast(extract(dow from days.date_day) as integer) as day_of_week,
        cast({{ dbt.date_trunc('month', 'days.date_day') }} as date) as month_start,
        cast({{ dbt.date_trunc('quarter', 'days.date_day') }} as date) as quarter_start,
        cast({{ dbt.date_trunc('year', 'days.date_day') }} as date) as year_start,
        cast(extract(dow from days.date_day) as integer) in (0, 6) as is_weekend,
        holidays.holiday_date is not null as is_holiday,
        holidays.holiday_name,
        weekend_workdays.workday_date is not null as is_makeup_working_day,
        (
            (cast(extract(dow from days.date_day) as integer) not in (0, 6) and holidays.holiday_date is null)
            or weekend_workdays.workday_date is not null
        ) as is_working_day
    from days
    left join holidays
        on cast(days.date_day as date) = holidays.holiday_date
    left join weekend_workdays
        on cast(days.date_day as date) = weekend_workdays.workday_date

)

select * from final
