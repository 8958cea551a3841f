"""Build the ref_provinces seed: the 63 provinces before 1 July 2025 and the 34 from that day on.

Every column and where it comes from:

- ``province_code``, ``province_name``: old provinces (valid 1900-01-01 .. 2025-06-30) from the statistics
  office's unit list ``units_before_2025-07-01.csv`` (``dbt_project/reference/admin-units``); new provinces (from 2025-07-01) from the ``vietnam_provinces`` package
  (``Tỉnh`` + name for a province, the name as given for a centrally-run city), checked against the names and
  codes in the statistics office's crosswalk.
- ``successor_code``, ``relation``: the new province that each old one's communes went to, from the statistics
  office's crosswalk ``crosswalk_2025-07-01_old_to_new.csv``. The old province of a crosswalk row is taken from
  the unit list by the old commune (or district) code, not from the row's own "Tỉnh cũ" column, which is wrong
  three times (Huyện Cồn Cỏ is marked Quảng Bình 44, it was Quảng Trị 45; Phường 4 of Tân An is marked Tiền Giang 82,
  it was Long An 80; Xã Tiên Hải is marked An Giang 89, it was Kiên Giang 91); an old commune missing from the list (merged between January and July 2025) is placed by
  its district. Every old province then passes into exactly one new province: ``whole``. The seed holds one
  row per (province_code, valid_from) and so one successor per old province: should a future list split a
  province, this script stops (a split needs ``part`` rows keyed by successor as well, and an allocation rule;
  bridge_admin_unit_succession already carries the communes' part relations).
- ``agency_prefix``: the level-1 agency identifier (mã định danh) of QĐ 20/2020/QĐ-TTg: H01..H63 in the
  alphabetical order of the 63 names written without diacritics (đ -> d), as the decision lists them in 2020
  (Thừa Thiên Huế, not Huế). ``PREFIX_EVIDENCE`` lists identifiers seen in real data; the script stops if the
  order disagrees with any. A new province takes the prefix of the old province whose **name** it keeps (Lào Cai
  from 1 July 2025 is statistics code 15, Yên Bái's, seated in Yên Bái, and its portal uses H38, old Lào Cai's).
- ``seed_province``, ``seed_article``: the four provinces of the seed articles (DOMAIN) and their articles,
  on the units of the four seed groups; empty elsewhere.

Official data only: nothing here serves the sample generator alone (its volume weights live with it).

Rows: old provinces by code, then new provinces by code.

    .venv/bin/python dbt_project/scripts/make_ref_provinces.py [--check]

``--check`` compares the freshly built rows with the committed seed and exits 1 when they differ.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
SEED = PROJECT_DIR / "seeds" / "ref_provinces.csv"
OLD_FROM, OLD_TO, NEW_FROM = "1900-01-01", "2025-06-30", "2025-07-01"

COLUMNS = [
    "province_code",
    "province_name",
    "valid_from",
    "valid_to",
    "successor_code",
    "relation",
    "agency_prefix",
    "seed_province",
    "seed_article",
]

# The four seed groups: (seed_province, {(code, is_new): seed_article}).
SEED_GROUPS: dict[str, dict[tuple[str, bool], str]] = {
    "cao_bang": {("04", False): "000;001", ("04", True): "000;001"},
    "bac_kan": {("06", False): "002", ("19", False): "", ("19", True): "002"},
    "can_tho": {("92", False): "003", ("93", False): "", ("94", False): "", ("92", True): "003"},
    "nghe_an": {("40", False): "004", ("40", True): "004"},
}

# Identifiers seen in real data (DOMAIN §6 and third-party code quoting provincial portals), old province code →
# prefix. The script stops if the alphabetical order gives another value.
PREFIX_EVIDENCE = {
    "25": "H44",  # Phú Thọ: departmentCode of the 766 captures (tests/fixtures/dvcqg-766), DOMAIN §3
    "79": "H29",  # Hồ Chí Minh: procedure codes ….000.00.00.H29 on the city's public-service portal
    "10": "H38",  # Lào Cai: procedure code 1.011442.000.00.00.H38 on the province's portal (after 2025-07-01)
    "51": "H48",  # Quảng Ngãi: dossier codes 000.00.53.H48-… of the province's one-stop-shop API
    "22": "H49",  # Quảng Ninh: MaCoQuanThucHien=H49.22 on the province's portal
    "94": "H51",  # Sóc Trăng: procedure code and maDonVi 000.18.29.H51 on the province's portal
    "19": "H55",  # Thái Nguyên: MaTTHCDP=….H55, MaCoQuanThucHien=H55.242 on the province's portal
    "40": "H41",  # Nghệ An: 000.00.00.H41 "UBND Tỉnh Nghệ An" in the government document-exchange samples
    "04": "H14",  # Cao Bằng: 000.00.00.H14 "UBND Tỉnh Cao Bằng" in the same samples
}
# Not verified: every other prefix, Hà Nội's (H24) in particular: ministry portal addresses with
# MaCoQuanThucHien=H26.107 were seen next to a Hà Nội example, which this order does not explain (H26 = Hải
# Dương). Check against the decision's appendix (and QĐ 09/2025/QĐ-TTg, which amends it) before relying on them.
# QĐ 20/2020 predates Huế's status as a centrally-run city (2025): the decision sorts it as Thừa Thiên Huế.
SORT_NAME = {"46": "Thừa Thiên Huế"}



def _admin_seeds_module():
    """The unit-list and crosswalk readers of make_admin_unit_seeds.py (same folder)."""
    path = Path(__file__).with_name("make_admin_unit_seeds.py")
    spec = importlib.util.spec_from_file_location("make_admin_unit_seeds", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def ascii_key(name: str) -> str:
    """'Bà Rịa - Vũng Tàu' -> 'ba ria - vung tau' (the decision's order: no diacritics, đ = d)."""
    text = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def base_name(name: str) -> str:
    for kind in ("Thành phố ", "Tỉnh "):
        if name.startswith(kind):
            return name[len(kind) :]
    return name


def prefixes(old: dict[str, str]) -> dict[str, str]:
    """Old province code → H01..H63, alphabetical by the name without diacritics."""
    if len(old) != 63:
        raise SystemExit(f"expected 63 provinces before 2025-07-01, found {len(old)}")
    order = sorted(old, key=lambda c: ascii_key(SORT_NAME.get(c, base_name(old[c]))))
    out = {code: f"H{i:02d}" for i, code in enumerate(order, start=1)}
    wrong = {c: (p, out[c]) for c, p in PREFIX_EVIDENCE.items() if out[c] != p}
    if wrong:
        raise SystemExit(
            f"alphabetical prefixes disagree with the evidence (code: (seen, computed)): {wrong}"
        )
    return out


def new_provinces() -> dict[str, str]:
    from vietnam_provinces import Province

    out = {}
    for p in Province.iter_all():
        name = p.name if p.division_type.name == "THANH_PHO_TRUNG_UONG" else f"Tỉnh {p.name}"
        out[f"{int(p.code):02d}"] = name
    if len(out) != 34:
        raise SystemExit(f"vietnam_provinces lists {len(out)} provinces, expected 34")
    return out


def successors(admin, source: Path, old_units: dict[str, str]) -> tuple[dict[str, set[str]], list[str], dict]:
    """Old province → new province codes, the old province read from the unit list; plus the corrections."""
    rows = admin.crosswalk(source / "crosswalk_2025-07-01_old_to_new.csv")
    out: dict[str, set[str]] = defaultdict(set)
    notes: list[str] = []
    new_names: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        new_code, old_code, old_level, stated_province = r[0], r[4], r[5], r[11]
        new_names[new_code].add(r[1])
        # a few old communes are missing from the list of 2025-01-04 (merged since): their district tells
        province = old_units.get(old_code if old_level == "commune" else f"d{old_code}") or old_units.get(
            f"d{r[9]}"
        )
        if province is None:
            raise SystemExit(
                f"crosswalk old {old_level} {old_code} (district {r[9]}) is not in the unit list"
            )
        if province != stated_province:
            notes.append(
                f"{old_level} {old_code} {r[6]!r}: crosswalk says old province {stated_province}, "
                f"the unit list {province}"
            )
        out[province].add(new_code)
    return out, notes, new_names


def build() -> tuple[list[dict[str, str]], list[str]]:
    admin = _admin_seeds_module()
    from chiso.sources.normalize import match_key

    source = admin.reference_dir()
    old: dict[str, str] = {}
    unit_province: dict[str, str] = {}  # commune code / "d"+district code → province code
    for code, name, level, _kind, _parent, province in admin.units_before(
        source / "units_before_2025-07-01.csv"
    ):
        if level == "province":
            old[code] = name
        unit_province[code if level == "commune" else f"d{code}"] = province
    new = new_provinces()
    links, notes, new_names = successors(admin, source, unit_province)
    for code, names in new_names.items():
        if code not in new or {match_key(n) for n in names} != {match_key(new[code])}:
            raise SystemExit(
                f"new province {code}: vietnam_provinces {new.get(code)!r}, crosswalk {sorted(names)}"
            )
    if set(new_names) != set(new):
        raise SystemExit(
            f"crosswalk and vietnam_provinces list different provinces: {set(new) ^ set(new_names)}"
        )
    split = {o: sorted(n) for o, n in links.items() if len(n) != 1}
    if split or set(links) != set(old):
        raise SystemExit(
            f"every old province must pass whole into one new one: split {split}, "
            f"unmapped {sorted(set(old) - set(links))}"
        )
    successor = {o: next(iter(n)) for o, n in links.items()}
    prefix = prefixes(old)
    # a new province takes the prefix of the predecessor whose name it keeps
    new_prefix = {}
    for code, name in new.items():
        same = [
            o
            for o, n in successor.items()
            if n == code and match_key(base_name(old[o])) == match_key(base_name(name))
        ]
        if len(same) != 1:
            raise SystemExit(f"new province {code} {name}: {len(same)} predecessors of the same name")
        new_prefix[code] = prefix[same[0]]
    seed_of = {
        (code, is_new): (seed, art) for seed, units in SEED_GROUPS.items() for (code, is_new), art in units.items()
    }
    rows: list[dict[str, str]] = []
    for code in sorted(old):
        seed, art = seed_of.get((code, False), ("", ""))
        rows.append(
            {
                "province_code": code,
                "province_name": old[code],
                "valid_from": OLD_FROM,
                "valid_to": OLD_TO,
                "successor_code": successor[code],
                "relation": "whole",
                "agency_prefix": prefix[code],
                "seed_province": seed,
                "seed_article": art,
            }
        )
    for code in sorted(new):
        seed, art = seed_of.get((code, True), ("", ""))
        rows.append(
            {
                "province_code": code,
                "province_name": new[code],
                "valid_from": NEW_FROM,
                "valid_to": "",
                "successor_code": "",
                "relation": "",
                "agency_prefix": new_prefix[code],
                "seed_province": seed,
                "seed_article": art,
            }
        )
    for seed, units in SEED_GROUPS.items():  # a seed group is a whole succession: its old units and their successor
        for (code, is_new), _ in units.items():
            if not is_new and (successor[code], True) not in units:
                raise SystemExit(
                    f"seed group {seed}: {code} passes into {successor[code]}, outside the group"
                )
    prefixes_seen = [(r["agency_prefix"], r["valid_from"]) for r in rows]
    if len(set(prefixes_seen)) != len(prefixes_seen):
        raise SystemExit("an agency prefix is used twice in one period")
    return rows, notes


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
    rows, notes = build()
    text = render(rows)
    n_old = sum(1 for r in rows if r["valid_to"])
    print(f"{n_old} provinces before {NEW_FROM}, {len(rows) - n_old} from {NEW_FROM}")
    for line in notes:
        print("  corrected: " + line)
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
