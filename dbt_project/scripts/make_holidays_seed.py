"""Write seeds/vn_holidays.csv: Vietnam's public holidays 2020-2031 from the PyPI ``holidays`` package.

Run from the repository root:  .venv/bin/python dbt_project/scripts/make_holidays_seed.py
Make-up working Saturdays (ngày làm bù) are not in the package and are not added here (DOMAIN 7, open
question 6): the date dimension treats every Saturday and Sunday as a day off.
"""

from __future__ import annotations

import csv
from pathlib import Path

import holidays

FIRST_YEAR, LAST_YEAR = 2020, 2031
SEED = Path(__file__).resolve().parents[1] / "seeds" / "vn_holidays.csv"


def main() -> None:
    calendar = holidays.country_holidays("VN", years=range(FIRST_YEAR, LAST_YEAR + 1))
    rows = sorted(calendar.items())
    with SEED.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["holiday_date", "holiday_name"])
        for day, name in rows:
            writer.writerow([day.isoformat(), name])
    print(f"wrote {len(rows)} holidays to {SEED}")


if __name__ == "__main__":
    main()
