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
    with pytest.MonkeyPatch.context() as mp:  # the environment as it was, afterwards
        for k, v in env.items():
            mp.setenv(k, v)
        import chiso_sample
        from chiso.ingest import landing, load, parse
        from chiso.ingest.batch import Batch
        from chiso.quality import gate
        from chiso.warehouse import dbt

        chiso_sample.generate(data / "incoming", provinces=34, start="2025-06", end="2025-07",
                              dossiers_per_month=25, documents_per_month=3)
        for source in ("motcua", "qlvb", "dvc"):
            load.load(gate.validate(parse.parse([Batch(landed=rec) for rec in landing.land_new(source)])))
        dbt.build()
        yield data


def _query(data: Path, sql: str):
    from chiso import settings

    os.environ["CHISO_DATA_DIR"] = str(data)
    con = duckdb.connect(str(settings.warehouse_path()), read_only=True)
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


def test_every_agency_is_learned_from_the_exports_and_placed(warehouse):
    """The sample's agencies reach the warehouse only through its own exports, like any province's: dbt learns
    every agency the national sample names (766 responses, dossiers, catalogue, register) and places each one:
    the 97 province roots and the departments by their identifier, the district committees (June, 63 old
    provinces) and the commune committees (July, 34 new ones) by name among the statistics office's units. No
    agency is left unknown."""
    assert _query(warehouse, "select source_dataset, agency_code, department_id, reason "
                             "from marts.mart_unknown_agency_codes") == []
    rows = _query(warehouse, """
        select agency_kind, match_method, count(*), count(*) filter (where not is_matched),
            count(distinct admin_unit_code || '@' || cast(admin_unit_valid_from as varchar))
        from marts.dim_agency group by 1, 2""")
    kinds = {(kind, method): (n, unmatched, units) for kind, method, n, unmatched, units in rows}
    assert set(kinds) == {("province", "code"), ("provincial_department", "code"), ("district_committee", "name"),
                          ("commune_committee", "name")}
    assert all(unmatched == 0 for _, unmatched, _ in kinds.values())
    assert kinds[("province", "code")][:2] == (63 + 34, 0)
    # one committee per district or commune: no two agencies placed on the same unit
    for kind in ("district_committee", "commune_committee"):
        n, _, units = kinds[(kind, "name")]
        assert n == units > 0, kind
