"""A national sample (34 new provinces, 63 old ones) through land, parse, validate, load and ``dbt build``.

June and July 2025 at a tiny volume: the reorganisation month pair, so every old province reports once and every
new province once. Checks that every dossier is attributed to a province and that the progress mart has rows for
all 63 old and all 34 new provinces. Pipeline functions are called directly (no Airflow): the Airflow path is
covered by test_pipeline_e2e.py.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    data = tmp_path_factory.mktemp("national") / "data"
    env = {"CHISO_DATA_DIR": str(data), "CHISO_PII_KEY": "national-test-key"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        from chiso import dbt_runner, pipeline, sample

        sample.generate(data / "incoming", provinces=34, start="2025-06", end="2025-07",
                        dossiers_per_month=25, documents_per_month=3)
        for source in ("motcua", "qlvb", "dvc"):
            pipeline.load(pipeline.validate(pipeline.parse(pipeline.land(source))))
        dbt_runner.build()
        yield data
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _query(data: Path, sql: str):
    from chiso import paths

    os.environ["CHISO_DATA_DIR"] = str(data)
    con = duckdb.connect(str(paths.warehouse_path()), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_every_dossier_is_attributed_to_a_province(warehouse):
    n, unattributed = _query(warehouse, "select count(*), count(*) filter (where unit_code is null) "
                                        "from intermediate.int_dossier_current")[0]
    assert n > 0 and unattributed == 0
    files = list((warehouse / "incoming" / "motcua").glob("*/hoso_*.csv"))
    assert len(files) == 63 + 34
    codes = set()
    for f in files:
        with open(f, encoding="utf-8-sig", newline="") as fh:
            codes |= {row["MaHoSo"] for row in csv.DictReader(fh)}
    assert n == len(codes)


def test_progress_mart_has_every_province(warehouse):
    rows = _query(warehouse, """
        select unit_code, unit_valid_from, count(*) from marts.mart_kpi_progress
        where unit_level = 'province' group by 1, 2""")
    with open(REPO / "dbt_project" / "seeds" / "ref_provinces.csv", encoding="utf-8") as fh:
        ref = list(csv.DictReader(fh))
    old = {r["province_code"] for r in ref if r["valid_to"]}
    new = {r["province_code"] for r in ref if not r["valid_to"]}
    assert {c for c, vf, _ in rows if str(vf) == "1900-01-01"} == old and len(old) == 63
    assert {c for c, vf, _ in rows if str(vf) == "2025-07-01"} == new and len(new) == 34


def test_unknown_agency_codes_are_only_the_sample_phu_tho_766_units(warehouse):
    """Known limitation: the national sample's new Phú Thọ (H44) shares identifiers with the real Phú Thọ units
    of the 766 captures; agency_crosswalk keeps the real rows, so the sample's own 766 departmentIds for those
    units are unknown (the dossiers still map by agency code). The one sample ward the statistics office's list
    lacks (Huế, Chân Mây – Lăng Cô) is reported without admin unit, as intended. Every other agency is known."""
    from chiso.sample.units import NATIONAL, units_for

    phu_tho = next(u for u in units_for(NATIONAL) if u.prefix == "H44" and u.is_new)
    sample_ids = {phu_tho.root_uuid} | {a.uuid for a in phu_tho.agencies}
    with open(REPO / "dbt_project" / "seeds" / "agency_crosswalk.csv", encoding="utf-8") as fh:
        sample_ids |= {r["dvcqg_department_id"] for r in csv.DictReader(fh) if r["match_method"] == "unmatched"}
    con_rows = _query(warehouse, "select * from marts.mart_unknown_agency_codes")
    ids = {str(v) for row in con_rows for v in row if isinstance(v, str) and len(v) == 36}
    assert ids <= sample_ids
