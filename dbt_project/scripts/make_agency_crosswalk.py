"""Build the agency crosswalk seed: agency identifier (mã định danh) → administrative unit (DOMAIN §6).

Agency identifiers are not unit codes. This script writes ``dbt_project/seeds/agency_crosswalk.csv``, one
row per agency × validity interval, from two sources:

1. **The sample generator** (``chiso.sample.units``): every agency it can emit for every unit of
   ``ref_provinces`` (all 63 old and 34 new provinces: ``units_for(NATIONAL)``, as ``chiso sample --national``) — the province root (``H14``), the 16 departments (``H14.01``–``.16``, admin unit = the
   province), the district People's Committees before 2025-07-01 (``H14.30+``, admin unit = the old
   3-digit district code) and the commune/ward People's Committees from 2025-07-01 (``H14.100+``, admin
   unit = the 5-digit ward code). The unit codes are read from the generator's own tables
   (``Agency.admin_unit_code``), not re-derived. ``match_method = sample_generator``. The generator takes
   ward codes from ``vietnam_provinces``; where the statistics office's list (dim_admin_unit) has another
   code for the ward, the office's code is used when exactly one ward of the province has the same name
   key (``name_match``, noted in ``source``), else the agency is left ``unmatched``.
2. **The real Phú Thọ 766 captures** (``$CHISO_SHARED_REFERENCE/dvcqg-766``, default
   ``../shared/reference/dvcqg-766``): the root ``H44`` → province 25 (Phú Thọ from 2025-07-01, checked
   against ``vietnam_provinces``; ``manual``); ``PROVINCIAL_DEPARTMENT`` units → the province (``manual``:
   a department is not an administrative unit, it belongs to the province); ``COMMUNE_PEOPLE_COMMITTEE``
   units → the ward of Phú Thọ (statistics office list, as in dim_admin_unit) whose
   ``chiso.normalize.match_key`` equals the unit's (``name_match``).
   A unit with no match, or more than one, is **not guessed**: it is written with an empty admin unit and
   ``match_method = unmatched``, and printed. Where the sample's new Phú Thọ (prefix ``H44`` too) uses the same
   identifier and validity as a real unit, the real row is kept and the sample's is left out.

    .venv/bin/python dbt_project/scripts/make_agency_crosswalk.py [--check]

``--check`` compares the freshly built rows with the committed seed and exits 1 when they differ.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from collections import defaultdict
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
SEED = PROJECT_DIR / "seeds" / "agency_crosswalk.csv"
DEFAULT_REFERENCE = PROJECT_DIR.parents[1] / "shared" / "reference"

COLUMNS = [
    "agency_code",
    "dvcqg_department_id",
    "agency_name",
    "agency_kind",
    "admin_unit_code",
    "admin_unit_valid_from",
    "valid_from",
    "valid_to",
    "match_method",
    "name_key",
    "source",
]

# Phú Thọ: root department code of the captures, and its province after 2025-07-01
PHU_THO_ROOT_CODE = "H44"
PHU_THO_PROVINCE_CODE = "25"
PHU_THO_PROVINCE_NAME = "Phú Thọ"
REORG = "2025-07-01"
KIND_BY_SAMPLE = {
    "dept": "provincial_department",
    "district": "district_committee",
    "commune": "commune_committee",
}


class WardResolver:
    """Ward codes of the statistics office's list (seed admin_crosswalk_2025_07 = dim_admin_unit's communes).

    ``vietnam_provinces`` (the generator's source) and the statistics office disagree on a few ward codes
    (e.g. Xã Phú Lạc, Thái Nguyên: 05794 vs 05788). The crosswalk points at dim_admin_unit, so a code the
    office's list lacks is resolved by name (match_key) within the province; no unique match = unmatched.
    """

    def __init__(self) -> None:
        from chiso.normalize import match_key

        self.codes: dict[str, str] = {}  # ward code -> province code
        self.by_key: dict[tuple[str, str], set[str]] = defaultdict(set)
        with open(
            PROJECT_DIR / "seeds" / "admin_crosswalk_2025_07.csv", encoding="utf-8-sig", newline=""
        ) as fh:
            for row in csv.DictReader(fh):
                self.codes[row["new_commune_code"]] = row["new_province_code"]
                self.by_key[(row["new_province_code"], match_key(row["new_commune_name"]))].add(
                    row["new_commune_code"]
                )

    def by_name(self, province_code: str, name: str) -> list[str]:
        from chiso.normalize import match_key

        return sorted(self.by_key.get((province_code, match_key(name)), set()))

    def resolve(self, province_code: str, code: str, name: str) -> tuple[str | None, str]:
        """(office code or None, note)."""
        if self.codes.get(code) == province_code:
            return code, ""
        found = self.by_name(province_code, name)
        if len(found) == 1:
            return found[
                0
            ], f"vietnam_provinces code {code} is {found[0]} in the statistics office list (name match)"
        return (
            None,
            f"vietnam_provinces code {code} not in the statistics office list; {len(found)} name matches",
        )


def reference_dir() -> Path:
    env = os.environ.get("CHISO_SHARED_REFERENCE")
    return Path(env) if env else DEFAULT_REFERENCE


def sample_rows(wards: WardResolver) -> tuple[list[dict[str, str]], list[str]]:
    from chiso.normalize import match_key
    from chiso.sample import units

    rows: list[dict[str, str]] = []
    notes: list[str] = []
    for u in units.units_for(units.NATIONAL):
        valid_from = u.valid_from.isoformat()
        valid_to = u.valid_to.isoformat() if u.valid_to else ""
        source = f"chiso.sample.units (ref_provinces {u.code}@{valid_from})"
        rows.append(
            {
                "agency_code": u.prefix,
                "dvcqg_department_id": u.root_uuid,
                "agency_name": u.root_name,
                "agency_kind": "province",
                "admin_unit_code": u.code,
                "admin_unit_valid_from": valid_from,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "match_method": "sample_generator",
                "name_key": match_key(u.root_name),
                "source": source,
            }
        )
        for a in u.agencies:
            kind = KIND_BY_SAMPLE[a.kind]
            if not a.admin_unit_code:
                raise SystemExit(f"generator agency {a.code} of {u.key} has no admin_unit_code")
            # departments belong to the province (valid as the province is); a district existed since records
            # begin until 2025-06-30 (1900-01-01 as in dim_admin_unit); a ward from 2025-07-01
            admin_code, method, note = a.admin_unit_code, "sample_generator", ""
            if kind == "commune_committee":
                resolved, note = wards.resolve(u.code, a.admin_unit_code, a.name)
                if resolved is None:
                    admin_code, method = "", "unmatched"
                    notes.append(f"{a.code}  {a.name!r}  ({note})")
                elif resolved != a.admin_unit_code:
                    admin_code, method = resolved, "name_match"
                    notes.append(f"{a.code}  {a.name!r}  ({note})")
            rows.append(
                {
                    "agency_code": a.code,
                    "dvcqg_department_id": a.uuid,
                    "agency_name": a.name,
                    "agency_kind": kind,
                    "admin_unit_code": admin_code,
                    "admin_unit_valid_from": valid_from if admin_code else "",
                    "valid_from": valid_from,
                    "valid_to": valid_to,
                    "match_method": method,
                    "name_key": match_key(a.name),
                    "source": source + (f"; {note}" if note else ""),
                }
            )
    return rows, notes


def _walk_766(obj, out: dict[str, dict[str, set]]) -> None:
    if isinstance(obj, dict):
        if "departmentId" in obj and obj.get("departmentType"):
            unit = out.setdefault(obj["departmentId"], defaultdict(set))
            for key in ("departmentCode", "departmentName", "departmentType"):
                if obj.get(key) is not None:
                    unit[key].add(obj[key])
        for value in obj.values():
            _walk_766(value, out)
    elif isinstance(obj, list):
        for value in obj:
            _walk_766(value, out)


def phu_tho_units(folder: Path) -> dict[str, dict[str, set]]:
    """departmentId → {departmentCode, departmentName, departmentType} over every evaluation capture."""
    units: dict[str, dict[str, set]] = {}
    for path in sorted(folder.glob("*/*.json")):
        if path.parent.name == "formalities":
            continue  # the procedure catalogue: not the evaluation tree
        with open(path, encoding="utf-8") as fh:
            _walk_766(json.load(fh), units)
    return units


def phu_tho_rows(folder: Path, wards: WardResolver) -> tuple[list[dict[str, str]], list[str]]:
    from chiso.normalize import match_key
    from vietnam_provinces import Province

    province = next(p for p in Province.iter_all() if int(p.code) == int(PHU_THO_PROVINCE_CODE))
    if match_key(province.name) != match_key(PHU_THO_PROVINCE_NAME):
        raise SystemExit(
            f"vietnam_provinces province {PHU_THO_PROVINCE_CODE} is {province.name}, not Phú Thọ"
        )

    rows: list[dict[str, str]] = []
    unmatched: list[str] = []
    source = "dvcqg-766 captures (Phú Thọ, 2026)"
    for dep_id, unit in sorted(phu_tho_units(folder).items(), key=lambda kv: sorted(kv[1]["departmentCode"])):
        codes, names, types = unit["departmentCode"], unit["departmentName"], unit["departmentType"]
        if len(codes) != 1 or len(types) != 1:
            raise SystemExit(f"766 unit {dep_id}: ambiguous code/type {codes} {types}")
        code, dtype = next(iter(codes)), next(iter(types))
        name = min(names)
        row = {
            "agency_code": code,
            "dvcqg_department_id": dep_id,
            "agency_name": name,
            "admin_unit_valid_from": REORG,
            "valid_from": REORG,
            "valid_to": "",
            "name_key": match_key(name),
            "source": source,
        }
        if dtype == "PROVINCE":
            if code != PHU_THO_ROOT_CODE:
                raise SystemExit(f"unexpected root {code}")
            row |= {
                "agency_kind": "province",
                "admin_unit_code": PHU_THO_PROVINCE_CODE,
                "match_method": "manual",
            }
        elif dtype == "PROVINCIAL_DEPARTMENT":
            row |= {
                "agency_kind": "provincial_department",
                "admin_unit_code": PHU_THO_PROVINCE_CODE,
                "match_method": "manual",
            }
        elif dtype == "COMMUNE_PEOPLE_COMMITTEE":
            # the wards of Phú Thọ in the statistics office's list (= dim_admin_unit), by match_key
            candidates = wards.by_name(PHU_THO_PROVINCE_CODE, name)
            if len(candidates) == 1:
                row |= {
                    "agency_kind": "commune_committee",
                    "admin_unit_code": candidates[0],
                    "match_method": "name_match",
                }
            else:
                why = "no ward" if not candidates else f"{len(candidates)} wards"
                unmatched.append(f"{code}  {name!r}  (key {match_key(name)!r}: {why})")
                row |= {
                    "agency_kind": "commune_committee",
                    "admin_unit_code": "",
                    "admin_unit_valid_from": "",
                    "match_method": "unmatched",
                }
        else:
            unmatched.append(f"{code}  {name!r}  (departmentType {dtype})")
            row |= {
                "agency_kind": "other",
                "admin_unit_code": "",
                "admin_unit_valid_from": "",
                "match_method": "unmatched",
            }
        rows.append(row)
    return rows, unmatched


def build() -> tuple[list[dict[str, str]], list[str], list[str]]:
    wards = WardResolver()
    rows, notes = sample_rows(wards)
    real, unmatched = phu_tho_rows(reference_dir() / "dvcqg-766", wards)
    # The national sample simulates the new Phú Thọ too, under its real prefix H44 and the generator's own
    # numbering; where an identifier is also a real Phú Thọ unit's (same code and validity), the real row wins
    # and the sample's agency is read as that unit (same province, same kind; not the commune the generator named)
    taken = {(r["agency_code"], r["valid_from"]) for r in real}
    dropped = [r for r in rows if (r["agency_code"], r["valid_from"]) in taken]
    if dropped:
        notes.append(
            f"{len(dropped)} sample agencies of {PHU_THO_ROOT_CODE} from {REORG} share an identifier with a real "
            "Phú Thọ unit: the real row is kept"
        )
    rows = [r for r in rows if (r["agency_code"], r["valid_from"]) not in taken] + real
    keys = [(r["agency_code"], r["valid_from"]) for r in rows]
    dup = {k for k in keys if keys.count(k) > 1}
    if dup:
        raise SystemExit(f"duplicate agency_code x valid_from: {sorted(dup)[:5]}")
    rows.sort(key=lambda r: (r["agency_code"].split(".")[0], r["valid_from"], _sort_code(r["agency_code"])))
    return rows, unmatched, notes


def _sort_code(code: str) -> tuple:
    return tuple(int(p) if p.isdigit() else -1 for p in code.split(".")[1:])


def render(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed seed, write nothing")
    args = parser.parse_args(argv)
    rows, unmatched, notes = build()
    text = render(rows)
    by_method: dict[str, int] = defaultdict(int)
    for r in rows:
        by_method[r["match_method"]] += 1
    print(f"{len(rows)} agencies: " + ", ".join(f"{k} {v}" for k, v in sorted(by_method.items())))
    if notes:
        print(f"{len(notes)} sample ward codes differ from the statistics office list (vietnam_provinces):")
        for line in notes:
            print("  " + line)
    if unmatched:
        print(f"{len(unmatched)} Phú Thọ units NOT matched to a ward (left without admin unit, not guessed):")
        for line in unmatched:
            print("  " + line)
    if args.check:
        current = SEED.read_text(encoding="utf-8") if SEED.exists() else ""
        if current != text:
            print(f"{SEED} is out of date: run {Path(__file__).name}", file=sys.stderr)
            return 1
        print(f"{SEED.name} is up to date")
        return 0
    SEED.write_text(text, encoding="utf-8")
    print(f"wrote {SEED}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
