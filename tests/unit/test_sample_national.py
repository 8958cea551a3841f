"""The national sample (34 new provinces and their 63 predecessors) and the reference tables it relies on."""

from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from chiso import settings
from chiso_sample import generate
from chiso_sample.units import NATIONAL, rates, units_for

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "dbt_project" / "scripts"


def _rows(name: str) -> list[dict[str, str]]:
    with open(settings.reference_csv(name), encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _tree(root: Path, sub: str = "") -> dict[str, str]:
    base = root / sub if sub else root
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(base.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("script", ["make_ref_provinces.py", "make_admin_unit_seeds.py"])
def test_reference_seeds_are_up_to_date(script):
    r = subprocess.run([sys.executable, str(SCRIPTS / script), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_ref_provinces_covers_the_country():
    rows = _rows("ref_provinces.csv")
    old = {r["province_code"]: r for r in rows if r["valid_to"]}
    new = {r["province_code"]: r for r in rows if not r["valid_to"]}
    assert len(old) == 63 and len(new) == 34 and len(rows) == 97
    # every old province passes whole into a new one; every new province has a predecessor of its code or name
    assert all(r["successor_code"] in new and r["relation"] == "whole" for r in old.values())
    assert {r["successor_code"] for r in old.values()} == set(new)
    # prefixes: H01..H63 once each before the reorganisation; a new province re-uses a predecessor's
    assert sorted(r["agency_prefix"] for r in old.values()) == [f"H{i:02d}" for i in range(1, 64)]
    for code, r in new.items():
        preds = {o["agency_prefix"] for o in old.values() if o["successor_code"] == code}
        assert r["agency_prefix"] in preds
    # identifiers seen in real data (see make_ref_provinces.PREFIX_EVIDENCE)
    seen = {"25": "H44", "79": "H29", "10": "H38", "94": "H51", "19": "H55", "22": "H49", "51": "H48"}
    assert {c: old[c]["agency_prefix"] for c in seen} == seen
    assert new["15"]["agency_prefix"] == "H38"  # new Lào Cai (Yên Bái's code) keeps Lào Cai's identifier
    # every old province of the statistics office's crosswalk is in the table with that successor
    xw = {(r["old_province_code"], r["new_province_code"]) for r in _rows("admin_crosswalk_2025_07.csv")}
    assert {o for o, _ in xw} <= set(old)
    assert all(n == old[o]["successor_code"] for o, n in xw if o not in ("44", "82", "89")), (
        "only the crosswalk's three mislabelled rows (Cồn Cỏ, Phường 4 of Tân An, Tiên Hải) may disagree"
    )


def test_generator_volume_weights():
    """The generator's own weights (not reference data): the seed groups' calibrated ones did not move; another
    old province weighs 0.75 x its 2019 population in millions, a new one the sum of its predecessors'."""
    from chiso_sample import volumes

    w = volumes.weights(_rows("ref_provinces.csv"))  # (code, is new) -> weight
    assert len(w) == 97
    assert w[("04", False)] == 0.55 and w[("92", True)] == 2.35 and w[("19", True)] == 1.20
    assert w[("40", False)] == 1.60 and w[("93", False)] == 0.55
    assert w[("02", False)] == 0.64 and w[("08", False)] == 0.59  # Hà Giang 854k, Tuyên Quang 785k
    assert w[("08", True)] == 1.23  # Tuyên Quang from 1 July 2025 = Hà Giang + Tuyên Quang


def test_national_units_match_the_reference_tables():
    units = units_for(NATIONAL)
    rows = _rows("ref_provinces.csv")
    assert len(units) == len(rows) == 97
    assert {(u.code, u.valid_from.isoformat()) for u in units} == {
        (r["province_code"], r["valid_from"]) for r in rows
    }
    by_key = {(r["province_code"], r["valid_from"]): r for r in rows}
    for u in units:
        ref = by_key[(u.code, u.valid_from.isoformat())]
        assert u.prefix == ref["agency_prefix"] and u.name == ref["province_name"]
        # every agency the generator can emit carries its unit's prefix (dbt learns and places them from the
        # exports: tests/e2e/test_national_e2e.py)
        assert all(a.code.split(".")[0] == u.prefix for a in u.agencies)
        r = rates(u, 2025, 7 if u.is_new else 6)
        assert all(
            0 < r[k] < 1 for k in ("online", "payment", "digitised", "e_result", "late", "electronic_docs")
        )
    # the first four groups are the seed provinces, as before
    assert [u.key for u in units_for(4)] == [u.key for u in units[:11]]
    assert {u.seed_province for u in units[:11]} == {"cao_bang", "bac_kan", "can_tho", "nghe_an"}


# Digest of the 4-province generation below, as the generator wrote it before it knew more than the seed
# provinces (commit ae09d69, checked by running that commit's code). A change of the sample's output must be
# deliberate: update the digest and say why in the commit.
SEED_SAMPLE_DIGEST = "98562dd551c9c1d55a78f673b18b02f020cc26364dadfab74b95fd8dacd9694b"
# The same with the plan workbooks (plans/, issue 15: the fourth source), added beside the unchanged exports.
SEED_SAMPLE_WITH_PLANS_DIGEST = "1f4b84ca3a049a464e7292835817831648b275cc4aec169fafeba6a1d11edcff"


def _digest(tree: dict[str, str]) -> str:
    h = hashlib.sha256()
    for rel, file_hash in sorted(tree.items()):
        h.update(rel.encode())
        h.update(bytes.fromhex(file_hash))
    return h.hexdigest()


def test_national_generation_keeps_the_seed_provinces_identical(tmp_path):
    """The default sample is unchanged, and a national run writes exactly its files for the seed provinces."""
    kw = {"start": "2025-06", "end": "2025-07", "dossiers_per_month": 30, "documents_per_month": 4}
    seed = generate(tmp_path / "seed", provinces=4, **kw)
    a = _tree(tmp_path / "seed")
    assert _digest({k: v for k, v in a.items() if not k.startswith("plans/")}) == SEED_SAMPLE_DIGEST
    assert _digest(a) == SEED_SAMPLE_WITH_PLANS_DIGEST
    nat = generate(tmp_path / "nat", provinces=NATIONAL, **kw)
    assert len(nat.provinces) == 97 and nat.total_dossiers > seed.total_dossiers
    b = _tree(tmp_path / "nat")
    assert a and all(b.get(k) == v for k, v in a.items())
    # every new province and every old one exported its months: 63 old provinces in June, 34 new in July
    dirs = {p.name for p in (tmp_path / "nat" / "motcua").iterdir()}
    rows = _rows("ref_provinces.csv")
    assert dirs == {r["province_code"] for r in rows}
    june = list((tmp_path / "nat" / "motcua").glob("*/hoso_*_2025-06.csv"))
    july = list((tmp_path / "nat" / "motcua").glob("*/hoso_*_2025-07.csv"))
    assert len(june) == 63 and len(july) == 34
    # the dossier codes carry the unit's prefix: each file's prefixes are its province's of that period
    prefix = {(r["province_code"], bool(r["valid_to"])): r["agency_prefix"] for r in rows}
    for f in june + july:
        code, is_old = f.parent.name, f.stem.endswith("2025-06")
        with open(f, encoding="utf-8-sig", newline="") as fh:
            seen = {row["MaCoQuan"].split(".")[0] for row in csv.DictReader(fh)}
        assert seen <= {prefix[(code, is_old)]}, f
