"""Write seeds/vn_holidays.csv: Vietnam's public holidays 2020-2031 from the PyPI ``holidays`` package.

Run from the repository root:  .venv/bin/python dbt_project/scripts/make_holidays_seed.py
day_kind: ``holiday`` (a day off, incl. substituted days off) or ``weekend_workday`` (a make-up working
Saturday, ngày làm bù, as the package knows them; DOMAIN 7 / open question 6: check each year's decision).
"""

from __future__ import annotations

import csv
from pathlib import Path

import holidays

FIRST_YEAR, LAST_YEAR = 2020, 2031
SEED = Path(__file__).resolve().parents[1] / "seeds" / "vn_holidays.csv"


def main() -> None:
    calendar = holidays.country_holidays("VN", years=range(FIRST_YEAR, LAST_YEAR + 1))
    rows = [(day, name, "holiday") for day, name in calendar.items()]
    rows += [
        (day, "Make-up working day", "weekend_workday")
        for day in calendar.weekend_workdays
        if FIRST_YEAR <= day.year <= LAST_YEAR
    ]
    rows.sort()
    with SEED.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["holiday_date", "holiday_name", "day_kind"])
        for day, name, kind in rows:
            writer.writerow([day.isoformat(), name, kind])
    print(f"wrote {len(rows)} holidays to {SEED}")


if __name__ == "__main__":
    main()
