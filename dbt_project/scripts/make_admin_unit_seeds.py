"""Convert the statistics office's admin-unit lists into dbt seeds (run again when the lists change).

Inputs (``dbt_project/reference/admin-units``, committed with their source in its README.md):

- ``units_before_2025-07-01.csv``: three-level list as of 2025-01-04 (province, district, commune)
- ``crosswalk_2025-07-01_old_to_new.csv``: old -> new commune crosswalk (two header rows, ALL-CAPS province
  separator rows, names and notes spanning lines)

Outputs (``dbt_project/seeds``):

- ``admin_units_before_2025_07.csv``: unit_code, unit_name, unit_level, unit_kind, parent_code, province_code
- ``admin_crosswalk_2025_07.csv``: one row per old unit (commune; the district where a whole district became
  a special zone) x new commune, relation normalised to whole | part | unknown (relation_raw keeps the text)

Codes stay text with their leading zeros (province 2, district 3, commune 5 digits).

    .venv/bin/python dbt_project/scripts/make_admin_unit_seeds.py [--check]
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
import unicodedata
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
SEEDS = PROJECT_DIR / "seeds"
REFERENCE = PROJECT_DIR / "reference" / "admin-units"

CODE_IN_BRACKETS = re.compile(r"^(?P<name>.*?)\s*\((?P<code>\d+)\)\s*$")


def reference_dir() -> Path:
    """The statistics office's original lists, as committed in the repository."""
    return REFERENCE


def clean(text: str) -> str:
    """NFC, single spaces, no line breaks, no surrounding blanks."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text or "")).strip()


def code(text: str, width: int) -> str:
    text = clean(text)
    if not text:
        return ""
    if not text.isdigit():
        raise ValueError(f"not a numeric unit code: {text!r}")
    return text.zfill(width)


def split_name_code(text: str, width: int) -> tuple[str, str]:
    """'Thành phố Cần Thơ (92)' -> ('Thành phố Cần Thơ', '92')."""
    text = clean(text)
    match = CODE_IN_BRACKETS.match(text)
    if not match:
        raise ValueError(f"expected 'Name (code)', found {text!r}")
    return match["name"], match["code"].zfill(width)


def relation(note: str) -> str:
    note = clean(note).lower()
    if note.startswith(("nhập toàn bộ", "giữ nguyên", "sắp xếp toàn bộ")) or note in (
        "đổi tên",
        "đổi loại hình",
    ):
        return "whole"
    if "một phần" in note or note.startswith("phần còn lại"):
        return "part"  # incl. the typo "Nhâp một phần", "Đổi tên từ một phần ...", "Phần còn lại sau khi tách ..."
    return "unknown"


def unit_kind(name: str) -> str:
    for kind in ("Thành phố", "Thị xã", "Thị trấn", "Tỉnh", "Quận", "Huyện", "Phường", "Xã", "Đặc khu"):
        if name.startswith(kind):
            return kind
    return ""


def units_before(path: Path) -> list[list[str]]:
    provinces: dict[str, list[str]] = {}
    districts: dict[str, list[str]] = {}
    communes: dict[str, list[str]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            p_code, d_code, c_code = code(row["Mã TP"], 2), code(row["Mã QH"], 3), code(row["Mã PX"], 5)
            p_name, d_name, c_name = (
                clean(row["Tỉnh Thành Phố"]),
                clean(row["Quận Huyện"]),
                clean(row["Phường Xã"]),
            )
            if p_code:
                provinces.setdefault(p_code, [p_code, p_name, "province", unit_kind(p_name), "", p_code])
            if d_code:
                districts.setdefault(d_code, [d_code, d_name, "district", unit_kind(d_name), p_code, p_code])
            if c_code:
                communes.setdefault(
                    c_code,
                    [c_code, c_name, "commune", clean(row["Cấp"]) or unit_kind(c_name), d_code, p_code],
                )
    return [*provinces.values(), *districts.values(), *communes.values()]


def crosswalk(path: Path) -> list[list[str]]:
    rows: list[list[str]] = []
    seen: set[tuple[str, str]] = set()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)  # group header: "Đơn vị hành chính từ ngày 01/7/2025", ...
        header = [clean(c) for c in next(reader)]
        if header[:3] != ["Tỉnh, thành phố", "Tên Xã mới", "Mã Xã mới"]:
            raise ValueError(f"{path.name}: unexpected header {header}")
        for line_no, raw in enumerate(reader, start=3):
            cells = [clean(c) for c in raw] + [""] * (9 - len(raw))
            if not any(cells[1:]):
                continue  # ALL-CAPS province separator row
            new_province_name, new_province_code = split_name_code(cells[0], 2)
            old_district_name, old_district_code = split_name_code(cells[6], 3)
            old_province_name, old_province_code = split_name_code(cells[7], 2)
            new_code, old_code = code(cells[2], 5), code(cells[4], 5)
            if not new_code:
                raise ValueError(f"{path.name} record {line_no}: new commune code missing")
            if old_code:
                old_level, old_name, rel = "commune", cells[3], relation(cells[5])
            else:
                # a district without communes made a special zone ("Sắp xếp toàn bộ huyện ..."), or an area of a
                # district that is no unit (Ninh Bình's coastal alluvial land): the old unit is the district
                old_code, old_level, old_name = old_district_code, "district", old_district_name
                rel = "whole" if "toàn bộ huyện" in cells[5].lower() else "part"
            if (old_level, old_code, new_code) in seen:
                continue
            seen.add((old_level, old_code, new_code))
            rows.append(
                [
                    new_province_code,
                    new_province_name,
                    new_code,
                    cells[1],
                    old_code,
                    old_level,
                    old_name,
                    rel,
                    cells[5],
                    old_district_code,
                    old_district_name,
                    old_province_code,
                    old_province_name,
                ]
            )
    return rows


def render(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write(path: Path, header: list[str], rows: list[list[str]], check: bool = False) -> bool:
    """Write the seed (or, with ``check``, only compare it with the committed one); True when up to date."""
    text = render(header, rows)
    if check:
        same = path.read_text(encoding="utf-8") == text
        print(f"{path.name} is {'up to date' if same else 'out of date: run make_admin_unit_seeds.py'}")
        return same
    path.write_text(text, encoding="utf-8", newline="")
    print(f"wrote {len(rows)} rows to {path}")
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed seeds, write nothing")
    check = parser.parse_args().check
    source = reference_dir()
    ok = write(
        SEEDS / "admin_units_before_2025_07.csv",
        ["unit_code", "unit_name", "unit_level", "unit_kind", "parent_code", "province_code"],
        units_before(source / "units_before_2025-07-01.csv"),
        check,
    )
    ok &= write(
        SEEDS / "admin_crosswalk_2025_07.csv",
        [
            "new_province_code",
            "new_province_name",
            "new_commune_code",
            "new_commune_name",
            "old_unit_code",
            "old_unit_level",
            "old_unit_name",
            "relation",
            "relation_raw",
            "old_district_code",
            "old_district_name",
            "old_province_code",
            "old_province_name",
        ],
        crosswalk(source / "crosswalk_2025-07-01_old_to_new.csv"),
        check,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
