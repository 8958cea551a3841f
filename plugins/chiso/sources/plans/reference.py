"""What a plan workbook may name: the KPIs of the catalogue and the units valid on a date, read from the
reference tables kept as dbt seeds (``settings.reference_csv``: one copy, read by dbt and by Python).

Units: provinces (``ref_provinces``: each code with its validity), communes (before July 2025:
``admin_units_before_2025_07``; from July 2025: the new communes of ``admin_crosswalk_2025_07``), and provincial
departments by agency identifier (``H14.07``: the province's agency prefix, a dot, two or three digits; a
department is not an administrative unit, so its code is checked by shape and province only).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from chiso import settings
from chiso.sources.normalize import match_key

MERGER_DATE = date(2025, 7, 1)  # the 2025 reorganisation: 34 provinces, districts abolished, communes merged
BEFORE = date(1900, 1, 1)
DEPARTMENT_CODE = re.compile(r"^(H\d{2})\.(\d{2,3})$")
LISTED = re.compile(r"^(\S+)\s+[–-]\s+\S")


def _rows(name: str) -> list[dict[str, str]]:
    with open(settings.reference_csv(name), encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass(frozen=True)
class Kpi:
    code: str
    name_vi: str
    unit: str  # percent | rank | …
    direction: str  # increase | decrease


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    level: str  # province | department | commune
    valid_from: date
    valid_to: date | None
    province_code: str

    def valid_on(self, d: date) -> bool:
        return self.valid_from <= d and (self.valid_to is None or d <= self.valid_to)


@lru_cache(maxsize=1)
def kpis() -> dict[str, Kpi]:
    """KPI code → KPI, in catalogue order."""
    return {
        r["kpi_code"]: Kpi(r["kpi_code"], r["kpi_name_vi"], r["kpi_unit"], r["direction"])
        for r in _rows("kpi_catalogue.csv")
    }


@lru_cache(maxsize=1)
def kpi_by_name() -> dict[str, str]:
    """Match key of a KPI's code or Vietnamese name → its code."""
    out = {}
    for k in kpis().values():
        out[match_key(k.name_vi)] = k.code
        out[match_key(k.code)] = k.code
    return out


def _d(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


@lru_cache(maxsize=1)
def units() -> tuple[Unit, ...]:
    """Every unit a plan may name, with its validity."""
    out: list[Unit] = []
    for r in _rows("ref_provinces.csv"):
        out.append(
            Unit(
                r["province_code"],
                r["province_name"],
                "province",
                _d(r["valid_from"]),
                _d(r["valid_to"]),
                r["province_code"],
            )
        )
    last_day = date.fromordinal(MERGER_DATE.toordinal() - 1)
    for r in _rows("admin_units_before_2025_07.csv"):
        if r["unit_level"] == "commune":
            out.append(Unit(r["unit_code"], r["unit_name"], "commune", BEFORE, last_day, r["province_code"]))
    seen = set()
    for r in _rows("admin_crosswalk_2025_07.csv"):
        if r["new_commune_code"] not in seen:
            seen.add(r["new_commune_code"])
            out.append(
                Unit(
                    r["new_commune_code"],
                    r["new_commune_name"],
                    "commune",
                    MERGER_DATE,
                    None,
                    r["new_province_code"],
                )
            )
    return tuple(out)


@lru_cache(maxsize=1)
def _by_code() -> dict[str, list[Unit]]:
    out: dict[str, list[Unit]] = {}
    for u in units():
        out.setdefault(u.code, []).append(u)
    return out


@lru_cache(maxsize=1)
def _by_name() -> dict[str, list[Unit]]:
    out: dict[str, list[Unit]] = {}
    for u in units():
        out.setdefault(match_key(u.name), []).append(u)
    return out


def province_of_prefix(prefix: str, on: date) -> Unit | None:
    """The province whose agencies carry ``prefix`` (H14 …) on a date."""
    for r in _province_prefixes():
        if r[0] == prefix and r[1].valid_on(on):
            return r[1]
    return None


@lru_cache(maxsize=1)
def _province_prefixes() -> tuple[tuple[str, Unit], ...]:
    provinces = {(u.code, u.valid_from): u for u in units() if u.level == "province"}
    return tuple(
        (r["agency_prefix"], provinces[(r["province_code"], _d(r["valid_from"]))])
        for r in _rows("ref_provinces.csv")
        if r["agency_prefix"]
    )


def find_unit(written: str, level: str | None, on: date) -> tuple[Unit | None, str]:
    """The unit a cell names (code or name, at ``level`` when given), valid on ``on``; or None and why."""
    text = written.strip()
    in_list = LISTED.match(text)  # "04 – Tỉnh Cao Bằng": an entry of the template's drop-down list
    if in_list:
        text = in_list.group(1)
    m = DEPARTMENT_CODE.match(text.upper())
    if m and level in (None, "department"):
        province = province_of_prefix(m.group(1), on)
        if province is None:
            return None, f"no province with agency prefix {m.group(1)} on {on:%d/%m/%Y}"
        return Unit(
            text.upper(),
            text.upper(),
            "department",
            province.valid_from,
            province.valid_to,
            province.province_code,
        ), ""
    if level == "department":
        return None, "a department's agency identifier (mã định danh, e.g. H14.07)"
    if level is None:  # "Tỉnh Bắc Kạn" names a province, "Phường Bắc Kạn" a commune
        first = text.split(" ")[0].lower()
        level = {"tỉnh": "province", "xã": "commune", "phường": "commune", "đặc": "commune"}.get(first)
        if text.lower().startswith("thành phố"):
            level = "province"
    code = text.zfill(2) if text.isdigit() and len(text) <= 2 else text.zfill(5) if text.isdigit() else text
    found = _by_code().get(code) or _by_name().get(match_key(text)) or []
    found = [u for u in found if level is None or u.level == level]
    if not found:
        return None, "a province or commune code or name of the reference lists"
    valid = [u for u in found if u.valid_on(on)]
    if not valid:
        spans = ", ".join(
            f"{u.valid_from:%d/%m/%Y}–{u.valid_to:%d/%m/%Y}"
            if u.valid_to
            else f"from {u.valid_from:%d/%m/%Y}"
            for u in found
        )
        return None, f"a unit valid on {on:%d/%m/%Y} ({text} is valid {spans})"
    if len(valid) > 1:
        return None, f"one unit ({len(valid)} units are named {text!r}: write the code)"
    return valid[0], ""


def listed(unit: Unit) -> str:
    """A unit as the template's drop-down lists it: code – name."""
    return f"{unit.code} – {unit.name}"


def current_units(on: date, province_code: str | None = None) -> list[Unit]:
    """The provinces and communes valid on a date (of one province when given), provinces first."""
    out = [
        u for u in units() if u.valid_on(on) and (province_code is None or u.province_code == province_code)
    ]
    return sorted(out, key=lambda u: (u.level != "province", u.province_code, u.code))
