"""The benchmark harness (``make bench``): chiso against the limit, the usual alternative and the peer (dlt).

    .venv/bin/python bench/harness.py --scale tiny|province|national [--out bench/results] [--repeat 1]
        [--alt-timeout SECONDS] [--alt-mem-gib GIB] [--skip-alternative] [--keep]

Data: the sample generator at the chosen scale (cached under ``bench/.cache/<scale>-<params>/``):

=========  ============================================================================================
tiny       2 seed provinces (Cao Bằng, Bắc Kạn → 5 units across the 1 July 2025 reorganisation),
           2025-05..2025-07, 1 500 dossiers/month/unit weight, 60 documents/month: CI, < 2 minutes
province   1 province (Cao Bằng), 2024-01..2024-12, ~2 million dossiers received, ~1 million documents
           (140 000/month × the unit weight), the portal's monthly 766 responses and catalogue
national   all 34 new provinces with their 63 predecessors (97 units, chiso sample --national),
           2025-01..2025-12, per-month volume set from the units' weights (as ``scale_params`` computes
           it) so that >= 31 million dossiers are received; 3 000 documents/month/unit weight, i.e. about
           214 000 documents a month nationally (~2.6 million a year, written as 97 XLSX registers a month):
           the province scale's 1 M documents for one province would make 34 M national documents, hours
           of XLSX writing for no extra insight. Run by hand (hours).
=========  ============================================================================================

"From scratch": a new data folder and warehouse. chiso keeps dbt's parse of its project for every new warehouse
(``CHISO_DBT_PARSE_CACHE``), so the harness parses the project once, untimed, before the stages
(``warm_dbt_parse``): the build starts as it does on any machine where chiso has built once (``make run``).

"One more day": after the initial load, the export of the *month in progress* taken after its first
working day arrives (``hoso_<PP>_<M+1>.csv`` per province unit): the dossiers received that day (as
received, not yet finished) plus the carried-over dossiers finished that day. It is a new batch (new
period), so the raw layer grows by a day and dbt's incremental model ``fct_dossier`` picks up only it.

Stages, each in its own child process (wall time, peak RSS via ``os.wait4``):

=================  ===================================  ===========================  =============================
stage              chiso (ours)                         the limit (DuckDB alone)     the usual alternative
=================  ===================================  ===========================  =============================
land_parse         landing.land + parse.parse           read_csv → Parquet (HMAC of  pandas.read_csv per file +
                   (SHA-256, immutable copy,            the ID, personal columns     pandas transforms (hmac per
                   parse_dossier_csv → Parquet)         dropped)                     row) → Parquet
validate           gate.validate (GX suite              one aggregate SQL per file   GX 1.x on pandas, the same
                   compiled to DuckDB SQL, Data Docs)   (same checks)                suite (expectations/…json)
load               load.load (INSERT into raw.*)        CREATE TABLE AS              DataFrame.to_sql → SQLite
                                                        read_parquet                 file (chunks of 10 000)
build              dbt build (from scratch)             one SQL pass: the KPIs       the KPI SQL on SQLite
day_ingest         land+parse+validate+load of the      read_csv + INSERT            read_csv + GX + to_sql
                   day file                                                          append
incremental_build  dbt build (incremental)              the KPI SQL again            the KPI SQL again
=================  ===================================  ===========================  =============================

The peer a data team would pick today, **dlt**, runs the same stages on the same files: its fastest
documented idiom (a resource yielding Arrow batches from DuckDB's ``read_csv``) extracted and normalised
(land_parse), the limit's checks over its normalised Parquet (validate), its DuckDB destination (load),
then the limit's KPI SQL (build, incremental_build).

The comparison is on the same files: the one-stop-shop dossier CSVs (the KPIs' input). chiso's
``land_parse``/``validate``/``load`` are measured separately for those files ("ours") and for the other
exports (Biểu 06, registers, catalogue, 766: "ours_other", not compared); dbt builds the whole project.
The alternative runs under a time and memory cap per stage; a stage that hits it is reported with how far
it got (files done) and the later stages as not reached.

Cross-check: our KPI numerators/denominators (``intermediate.int_kpi_dossier_measures``, month rows) must
equal the limit's for every unit series x month x KPI, after the build and after the incremental build;
the harness writes both tables (CSV) and the comparison into the results.

Results: ``<out>/latest.json`` (merged per scale), ``<out>/latest.md``, ``<out>/<scale>.json``,
``<out>/kpi_<scale>_{ours,limit}.csv`` and ``<out>/bench.png`` (a chart, pure-Python PNG writer).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE), str(REPO / "plugins")]

import _measure as M  # noqa: E402

SCALES = {
    "tiny": dict(provinces=2, start="2025-05", end="2025-07", dossiers_per_month=1500, documents_per_month=60),
    "province": dict(provinces=1, start="2024-01", end="2024-12", dossiers_per_month=300_000,
                     documents_per_month=140_000),
    "national": dict(provinces=34, start="2025-01", end="2025-12", dossiers_per_month=None,
                     documents_per_month=3_000, target_dossiers=31_000_000),
}
STAGES = ["land_parse", "validate", "load", "build", "day_ingest", "incremental_build"]
INITIAL = ["land_parse", "validate", "load", "build"]
CONTESTANTS = ["ours", "limit", "alternative", "dlt"]
PII_KEY = "bench-key-not-a-secret"
SEED = 20230101
PERSONAL = ["HoTenNguoiNop", "SoCCCD", "SoDienThoai", "DiaChi"]


# =========================================================================================== data
def _next_month(ym: str) -> str:
    y, m = map(int, ym.split("-"))
    return f"{y + (m == 12):04d}-{m % 12 + 1:02d}"


def scale_params(scale: str) -> dict:
    p = dict(SCALES[scale])
    if p.get("dossiers_per_month") is None:  # national: per-month volume for the target total
        from chiso_sample.generate import _months
        from chiso_sample.units import SEASON, units_for

        w = sum(u.weight * SEASON[m - 1] for u in units_for(p["provinces"])
                for y, m in _months(p["start"], p["end"]) if u.active(y, m))
        p["dossiers_per_month"] = int(p["target_dossiers"] / w) + 1
    p.pop("target_dossiers", None)
    return p


def generate_child(gen_dir: str, params_json: str) -> None:
    from chiso_sample import generate

    p = json.loads(params_json)
    s = generate(Path(gen_dir), seed=SEED, **p)
    Path(gen_dir, "summary.json").write_text(json.dumps(
        {"rows": s.rows, "files": s.files, "total_dossiers": s.total_dossiers, "seconds": s.seconds}))


def ensure_data(scale: str, cache: Path, log: Path) -> tuple[Path, dict]:
    """Generate start..M+1 once (cached); M+1 provides the day file."""
    p = scale_params(scale)
    gen_params = dict(p, end=_next_month(p["end"]))
    # the reference table is part of the data: new prefixes or weights must not reuse an older generation
    ref = hashlib.sha256(_provinces_csv().read_bytes()).hexdigest()
    tag = hashlib.sha256(json.dumps(dict(gen_params, ref_provinces=ref), sort_keys=True).encode()).hexdigest()[:10]
    gen = cache / f"{scale}-{tag}"
    if not (gen / "summary.json").exists():
        shutil.rmtree(gen, ignore_errors=True)
        print(f"[{scale}] generating sample exports into {gen} …", flush=True)
        r = M.run([M.python(), __file__, "_generate", str(gen), json.dumps(gen_params)], env=M.child_env(),
                  log_path=log)
        if r["status"] != "ok":
            raise RuntimeError(f"generation failed: {r}; see {log}")
        info = json.loads((gen / "summary.json").read_text())
        info["generate_seconds"] = r["seconds"]
        info["generate_peak_rss_bytes"] = r["peak_rss_bytes"]
        (gen / "summary.json").write_text(json.dumps(info))
    return gen, dict(json.loads((gen / "summary.json").read_text()), params=p)


def stage_incoming(gen: Path, incoming: Path, last_month: str) -> None:
    """Hard-link the exports up to ``last_month`` into an incoming folder (M+1 stays behind)."""
    shutil.rmtree(incoming, ignore_errors=True)
    late = re.compile(r"(\d{4}-\d{2})")
    for src in gen.rglob("*"):
        if not src.is_file() or src.name == "summary.json":
            continue
        rel = src.relative_to(gen)
        m = late.search(src.name)
        if m and m.group(1) > last_month:
            continue
        dest = incoming / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(src, dest)
        except OSError:
            shutil.copyfile(src, dest)


def make_day_files(gen: Path, out_dir: Path, month: str) -> list[Path]:
    """The export of ``month`` taken after its first working day (see the module docstring)."""
    import duckdb

    out = []
    for src in sorted(gen.glob(f"motcua/*/hoso_*_{month}.csv")):
        dest = out_dir / src.relative_to(gen)
        dest.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect()
        rel = f"read_csv('{src}', all_varchar = true, header = true)"
        d1 = con.execute(f"SELECT min(strptime(NgayTiepNhan, '%d/%m/%Y %H:%M:%S')::DATE) FROM {rel} "
                         f"WHERE NgayTiepNhan LIKE '%/{month[5:]}/{month[:4]} %'").fetchone()[0]
        day = d1.strftime("%d/%m/%Y")
        cols = con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()
        names = [c[0] for c in cols]
        new_today = f"starts_with(NgayTiepNhan, '{day}') AND NOT coalesce(starts_with(NgayKetThucXuLy, '{day}'), false)"
        repl = {
            "TrangThaiHoSo": f"CASE WHEN {new_today} THEN 'Đã tiếp nhận' ELSE TrangThaiHoSo END",
            "NgayKetThucXuLy": f"CASE WHEN {new_today} THEN NULL ELSE NgayKetThucXuLy END",
            "NgayCapNhat": f"CASE WHEN {new_today} THEN NgayTiepNhan ELSE NgayCapNhat END",
            "SoLanBoSung": f"CASE WHEN {new_today} THEN '0' ELSE SoLanBoSung END",
            "SoNgayChoBoSung": f"CASE WHEN {new_today} THEN '0' ELSE SoNgayChoBoSung END",
        }
        sel = ", ".join(f"{repl.get(n, n)} AS \"{n}\"" for n in names)
        tmp = dest.with_suffix(".tmp")
        con.execute(f"COPY (SELECT {sel} FROM {rel} WHERE starts_with(NgayTiepNhan, '{day}') "
                    f"OR starts_with(NgayKetThucXuLy, '{day}')) TO '{tmp}' "
                    f"(FORMAT csv, HEADER true, FORCE_QUOTE *)")
        con.close()
        with open(dest, "wb") as fh, open(tmp, "rb") as src_fh:
            fh.write(b"\xef\xbb\xbf")
            shutil.copyfileobj(src_fh, fh)
        tmp.unlink()
        out.append(dest)
    return out


# =========================================================================================== ours
def _is_dossier(b) -> bool:
    return bool(re.search(r"hoso_[^/]*\.csv$", b.file_name))


def ours_child(stage: str, group: str, state: Path) -> None:
    """One stage of chiso's pipeline for one group of files ('dossier' = hoso CSVs, 'other' = the rest)."""
    from chiso.ingest import landing, load, parse
    from chiso.ingest.batch import Batch
    from chiso.quality import gate
    from chiso.warehouse import dbt

    def save(name, batches):
        (state / name).write_text(json.dumps([b.to_json() for b in batches]))

    def read(name):
        return [Batch.from_json(d) for d in json.loads((state / name).read_text())]

    def land(source):
        return [Batch(landed=rec) for rec in landing.land_new(source)]

    timings = {}
    t0 = time.perf_counter()
    if stage in ("land_parse", "day_ingest"):
        if group == "dossier":
            landed = land("motcua")
            mine = [b for b in landed if _is_dossier(b)]
            save(f"landed_motcua_other_{stage}.json", [b for b in landed if not _is_dossier(b)])
        else:
            mine = read(f"landed_motcua_other_{stage}.json") + land("qlvb") + land("dvc")
        timings["land"] = time.perf_counter() - t0
        parsed = parse.parse(mine)
        timings["parse"] = time.perf_counter() - t0 - timings["land"]
        if stage == "day_ingest":
            t1 = time.perf_counter()
            v = gate.validate(parsed)
            timings["validate"] = time.perf_counter() - t1
            t1 = time.perf_counter()
            loaded = load.load(v)
            timings["load"] = time.perf_counter() - t1
            save(f"loaded_{group}_{stage}.json", loaded)
        else:
            save(f"parsed_{group}.json", parsed)
    elif stage == "validate":
        save(f"validated_{group}.json", gate.validate(read(f"parsed_{group}.json")))
    elif stage == "load":
        save(f"loaded_{group}_load.json", load.load(read(f"validated_{group}.json")))
    elif stage in ("build", "incremental_build"):
        timings["dbt"] = dbt.build()
    (state / f"timings_{stage}_{group}.json").write_text(json.dumps(timings, default=str))


def ours_summary(state: Path, stage: str, group: str) -> dict:
    p = state / f"loaded_{group}_{stage}.json"
    if not p.exists():
        return {}
    from chiso.ingest.batch import Batch, summarise

    s = summarise([Batch.from_json(d) for d in json.loads(p.read_text())])
    return {k: s[k] for k in ("files", "loaded", "quarantined", "rows_read", "rows_loaded", "rows_rejected")}


def ours_kpis(warehouse: Path) -> list[tuple] | None:
    """Our KPI rows for province-level unit series (the dbt project may also compute lower levels)."""
    import duckdb

    with open(_provinces_csv(), encoding="utf-8") as fh:
        provinces = {(r["province_code"], r["valid_from"]) for r in csv.DictReader(fh)}

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        if not con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'intermediate' "
                           "AND table_name = 'int_kpi_dossier_measures'").fetchone()[0]:
            return None  # dbt build failed before the KPI model
        return [tuple(r) for r in con.execute(
            "SELECT unit_code, CAST(unit_valid_from AS VARCHAR), kpi_code, CAST(period_start AS VARCHAR), "
            "numerator, denominator FROM intermediate.int_kpi_dossier_measures WHERE period_type = 'month' "
            "ORDER BY 1, 2, 3, 4").fetchall() if (r[0], r[1]) in provinces]
    finally:
        con.close()


# =========================================================================================== the limit
def _hmac_sql(col: str) -> str:
    from chiso.sources import pii

    ipad, opad = pii.hmac_pads(PII_KEY.encode())
    return f"sha256(unhex('{opad.hex()}') || unhex(sha256(unhex('{ipad.hex()}') || encode({col}))))"


_TYPES = ("{'MaTTHC': 'VARCHAR', 'MaLinhVuc': 'VARCHAR', 'MaCoQuan': 'VARCHAR', 'SoCCCD': 'VARCHAR', "
          "'SoDienThoai': 'VARCHAR', 'NgayTiepNhan': 'TIMESTAMP', 'NgayHenTra': 'TIMESTAMP', "
          "'NgayKetThucXuLy': 'TIMESTAMP', 'NgayCapNhat': 'TIMESTAMP', 'SoNgayChoBoSung': 'VARCHAR', "
          "'KenhThucHien': 'SMALLINT', 'PhiLePhi': 'BIGINT', 'DuocThanhToanTrucTuyen': 'SMALLINT', "
          "'HoSoCoThanhPhanSoHoa': 'SMALLINT', 'SoLanBoSung': 'SMALLINT'}")


def _limit_read(files: list[str]) -> str:
    lst = "[" + ", ".join(f"'{f}'" for f in files) + "]"
    return (f"SELECT * EXCLUDE ({', '.join(PERSONAL)}, filename), {_hmac_sql('SoCCCD')} AS applicant_key, "
            f"CAST(regexp_extract(filename, 'hoso_\\d+_(\\d{{4}}-\\d{{2}})\\.csv$', 1) || '-01' AS DATE) "
            f"AS period_month, filename AS source_file "
            f"FROM read_csv({lst}, header = true, filename = true, timestampformat = '%d/%m/%Y %H:%M:%S', "
            f"types = {_TYPES})")


_LIMIT_VIEW = """CREATE OR REPLACE VIEW kpi_input AS SELECT
  MaHoSo AS dossier_code, MaCoQuan AS agency_code, coalesce(KenhThucHien, 1) AS channel,
  NgayTiepNhan AS received_at, NgayHenTra AS appointment_at, NgayKetThucXuLy AS completed_at,
  TrangThaiHoSo AS status_raw, SoLanBoSung AS supplement_count,
  TRY_CAST(replace(SoNgayChoBoSung, ',', '.') AS DOUBLE) AS supplement_wait_days,
  PhiLePhi AS fee_amount, DuocThanhToanTrucTuyen AS online_payment,
  HoSoCoThanhPhanSoHoa = 1 AS has_digitised_components, NgayCapNhat AS updated_at, period_month
FROM raw_dossier"""


def _limit_checks(rel: str) -> str:
    statuses = ", ".join(f"'{s}'" for s in ("Đã tiếp nhận", "Đang xử lý", "Yêu cầu bổ sung", "Đã xử lý xong",
                                             "Đã trả kết quả", "Dừng xử lý", "Từ chối",
                                             "Công dân yêu cầu rút hồ sơ"))
    return f"""SELECT source_file, count(*) AS n,
      count(*) - count(MaHoSo) AS null_code, count(MaHoSo) - count(DISTINCT MaHoSo) AS dup_code,
      count(*) - count(NgayTiepNhan) AS null_received, count(*) - count(NgayHenTra) AS null_appointment,
      count(*) FILTER (WHERE KenhThucHien NOT IN (1, 2, 3)) AS bad_channel,
      count(*) FILTER (WHERE TrangThaiHoSo NOT IN ({statuses})) AS bad_status,
      count(*) FILTER (WHERE NgayHenTra < NgayTiepNhan) AS appointment_before,
      count(*) FILTER (WHERE NgayKetThucXuLy < NgayTiepNhan) AS completed_before,
      count(*) FILTER (WHERE PhiLePhi < 0 OR PhiLePhi > 10000000000) AS bad_fee,
      count(*) FILTER (WHERE DuocThanhToanTrucTuyen NOT IN (0, 1, 2)) AS bad_payment,
      count(*) FILTER (WHERE SoLanBoSung < 0 OR SoLanBoSung > 100) AS bad_supplements,
      count(*) FILTER (WHERE NOT regexp_matches(MaCoQuan, '^[A-Z]\\d{{2}}(\\.\\d{{2,3}})*$')) AS bad_agency,
      count(*) - count(MaTTHC) AS null_procedure
    FROM {rel} GROUP BY source_file"""


def _provinces_csv() -> Path:
    from chiso import settings

    return settings.dbt_project_dir() / "seeds" / "ref_provinces.csv"


def _limit_provinces() -> str:
    return (f"(SELECT * FROM read_csv('{_provinces_csv()}', header = true, "
            f"types = {{'province_code': 'VARCHAR', 'successor_code': 'VARCHAR', 'valid_from': 'DATE', "
            f"'valid_to': 'DATE'}}))")


def limit_child(stage: str, state: Path, files_json: str) -> None:
    import duckdb

    files = json.loads(files_json)
    work = state / "limit_work"
    work.mkdir(exist_ok=True)
    db = state / "limit.duckdb"
    provinces = _limit_provinces()
    from kpi_sql import kpi_sql

    if stage == "land_parse":
        con = duckdb.connect()
        con.execute(f"COPY ({_limit_read(files)}) TO '{work / 'dossier.parquet'}' (FORMAT parquet)")
    elif stage == "validate":
        con = duckdb.connect()
        rows = con.execute(_limit_checks(f"read_parquet('{work / 'dossier.parquet'}')")).fetchall()
        (work / "checks.json").write_text(json.dumps([list(map(str, r)) for r in rows]))
    elif stage == "load":
        con = duckdb.connect(str(db))
        con.execute(f"CREATE OR REPLACE TABLE raw_dossier AS SELECT * FROM read_parquet('{work / 'dossier.parquet'}')")
    elif stage == "day_ingest":
        con = duckdb.connect(str(db))
        tmp = duckdb.connect()
        checks = tmp.execute(_limit_checks(f"({_limit_read(files)})")).fetchall()
        tmp.close()
        (work / "checks_day.json").write_text(json.dumps([list(map(str, r)) for r in checks]))
        con.execute(f"INSERT INTO raw_dossier {_limit_read(files)}")
    elif stage in ("build", "incremental_build"):
        con = duckdb.connect(str(db))
        con.execute(_LIMIT_VIEW)
        con.execute(f"CREATE OR REPLACE TABLE kpi AS {kpi_sql('kpi_input', provinces, 'duckdb')}")
    con.execute("CHECKPOINT") if stage not in ("land_parse", "validate") else None
    con.close()


def limit_kpis(state: Path, db: str = "limit.duckdb") -> list[tuple]:
    import duckdb

    con = duckdb.connect(str(state / db), read_only=True)
    try:
        return [tuple(r) for r in con.execute(
            "SELECT unit_code, CAST(unit_valid_from AS VARCHAR), kpi_code, CAST(period_start AS VARCHAR), "
            "numerator, denominator FROM kpi ORDER BY 1, 2, 3, 4").fetchall()]
    finally:
        con.close()


# =========================================================================================== the peer: dlt
# dlt (data load tool) with its fastest documented idiom: a resource yielding Arrow batches from DuckDB's
# read_csv (the same typed read, HMAC and dropped personal columns as the limit), extracted and normalised to
# Parquet load packages, then loaded into a DuckDB destination; the KPIs are the same SQL as the limit's.
# dlt stores naive local times as TIMESTAMP WITH TIME ZONE (read as UTC), so the KPI view reads them back as
# UTC wall-clock times; the checks of the validate stage are the limit's, over dlt's normalised files.
DLT_ENV = {"SCHEMA__NAMING": "direct", "RUNTIME__LOG_LEVEL": "WARNING"}


def _dlt_pipeline(state: Path):
    import dlt

    return dlt.pipeline("chiso_bench", destination=dlt.destinations.duckdb(str(state / "dlt.duckdb")),
                        pipelines_dir=str(state / "dlt_pipelines"), dataset_name="raw")


def _dlt_resource(files: list[str]):
    import dlt
    import duckdb

    def dossiers():
        con = duckdb.connect()
        yield from con.execute(_limit_read(files)).to_arrow_reader(100_000)
        con.close()

    return dlt.resource(dossiers, name="motcua_dossier", write_disposition="append")


def _dlt_normalized(state: Path) -> list[str]:
    return sorted(str(f) for f in (state / "dlt_pipelines").glob("*/load/normalized/*/new_jobs/motcua_dossier.*.parquet"))


def dlt_child(stage: str, state: Path, files_json: str) -> None:
    import duckdb

    os.environ.update(DLT_ENV)
    files = json.loads(files_json)
    pipeline = _dlt_pipeline(state)
    if stage in ("land_parse", "day_ingest"):
        pipeline.extract(_dlt_resource(files))
        pipeline.normalize()
    if stage in ("validate", "day_ingest"):
        parts = _dlt_normalized(state)
        rel = "read_parquet([" + ", ".join(f"'{f}'" for f in parts) + "])"
        rows = duckdb.connect().execute(_limit_checks(rel)).fetchall()
        (state / f"dlt_checks_{stage}.json").write_text(json.dumps([list(map(str, r)) for r in rows]))
    if stage in ("load", "day_ingest"):
        pipeline.load()
    if stage in ("build", "incremental_build"):
        from kpi_sql import kpi_sql

        con = duckdb.connect(str(state / "dlt.duckdb"))
        con.execute("SET TimeZone = 'UTC'")
        ts = ("NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayCapNhat")
        con.execute("CREATE OR REPLACE VIEW raw_dossier AS SELECT * REPLACE ("
                    + ", ".join(f"CAST({c} AS TIMESTAMP) AS {c}" for c in ts) + ") FROM raw.motcua_dossier")
        con.execute(_LIMIT_VIEW)
        con.execute(f"CREATE OR REPLACE TABLE kpi AS {kpi_sql('kpi_input', _limit_provinces(), 'duckdb')}")
        con.execute("CHECKPOINT")
        con.close()


def dlt_kpis(state: Path) -> list[tuple] | None:
    return limit_kpis(state, "dlt.duckdb") if (state / "dlt.duckdb").exists() else None


# =========================================================================================== the alternative
STATUS_MAP = {"Đã tiếp nhận": "received", "Đang xử lý": "processing", "Yêu cầu bổ sung": "supplement",
              "Đã xử lý xong": "done", "Đã trả kết quả": "returned", "Dừng xử lý": "stopped",
              "Từ chối": "refused", "Công dân yêu cầu rút hồ sơ": "withdrawn"}


def _alt_parse_file(path: str):
    """What a team typically writes: pandas.read_csv, then column by column."""
    import hmac

    import pandas as pd

    df = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    key = PII_KEY.encode()
    out = pd.DataFrame()
    m = re.search(r"hoso_\d+_(\d{4}-\d{2})\.csv$", path)
    out["period_month"] = pd.Series([f"{m.group(1)}-01"] * len(df), dtype=str)
    out["dossier_code"] = df["MaHoSo"].str.strip()
    out["procedure_code"] = df["MaTTHC"]
    out["procedure_name"] = df["TenTTHC"]
    out["field_code"] = df["MaLinhVuc"]
    out["field_name"] = df["TenLinhVuc"]
    out["agency_code"] = df["MaCoQuan"].str.strip()
    out["agency_name"] = df["TenCoQuan"].str.strip()
    out["channel"] = pd.to_numeric(df["KenhThucHien"], errors="coerce").fillna(1).astype("Int16")
    fmt = "%d/%m/%Y %H:%M:%S"
    out["received_at"] = pd.to_datetime(df["NgayTiepNhan"], format=fmt, errors="coerce")
    out["appointment_at"] = pd.to_datetime(df["NgayHenTra"], format=fmt, errors="coerce")
    out["completed_at"] = pd.to_datetime(df["NgayKetThucXuLy"], format=fmt, errors="coerce")
    out["status_raw"] = df["TrangThaiHoSo"]
    out["status"] = df["TrangThaiHoSo"].str.strip().map(STATUS_MAP)
    out["supplement_count"] = pd.to_numeric(df["SoLanBoSung"], errors="coerce").astype("Int16")
    out["supplement_wait_days"] = pd.to_numeric(df["SoNgayChoBoSung"].str.replace(",", "."), errors="coerce")
    out["fee_amount"] = pd.to_numeric(df["PhiLePhi"], errors="coerce").astype("Int64")
    out["online_payment"] = pd.to_numeric(df["DuocThanhToanTrucTuyen"], errors="coerce").astype("Int16")
    out["has_digitised_components"] = df["HoSoCoThanhPhanSoHoa"].map({"1": True, "0": False})
    out["has_electronic_result"] = df["CoKetQuaDienTu"].map({"1": True, "0": False})
    out["vneid_verified"] = df["TaiKhoanDuocXacThucVoiVNeID"].map({"1": True, "0": False})
    out["applicant_key"] = df["SoCCCD"].map(
        lambda v: hmac.new(key, v.strip().encode(), "sha256").hexdigest() if isinstance(v, str) else None)
    out["updated_at"] = pd.to_datetime(df["NgayCapNhat"], format=fmt, errors="coerce")
    out["source_row"] = range(1, len(df) + 1)
    out["source_file"] = os.path.basename(path)
    return out


_GX: dict = {}


def _alt_gx_validate(frame) -> dict:
    """GX 1.x on pandas, set up once per process as a team would: context, suite, a whole-dataframe batch."""
    if not _GX:
        import great_expectations as gx
        from chiso import settings
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

        spec = json.loads((settings.expectations_dir() / "motcua_dossier.json").read_text(encoding="utf-8"))
        ctx = gx.get_context(mode="ephemeral")
        suite = gx.ExpectationSuite(name="motcua_dossier")
        for e in spec["expectations"]:
            # the compiled engine's SQL placeholders ({batch}, sibling tables) are chiso's; the pandas
            # alternative runs the column and table expectations
            if e["type"] == "unexpected_rows_expectation":
                continue
            suite.add_expectation_configuration(ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"],
                                                                         meta=e.get("meta", {})))
        _GX["suite"] = suite
        _GX["definition"] = (ctx.data_sources.add_pandas("alt").add_dataframe_asset("dossiers")
                             .add_batch_definition_whole_dataframe("whole"))
    batch = _GX["definition"].get_batch(batch_parameters={"dataframe": frame})
    res = batch.validate(_GX["suite"])
    return {"success": bool(res.success), "evaluated": len(res.results),
            "failed": [r.expectation_config.type for r in res.results if not r.success]}


def alt_child(stage: str, state: Path, files_json: str) -> None:
    import logging
    import sqlite3

    import pandas as pd

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    files = json.loads(files_json)
    work = state / "alt_work"
    work.mkdir(exist_ok=True)
    progress = state / f"alt_progress_{stage}.json"
    db = state / "alternative.sqlite"

    def done(i, total, **extra):
        progress.write_text(json.dumps(dict(done=i, total=total, **extra)))

    def pq(f):
        return work / (Path(f).name + ".parquet")

    if stage in ("land_parse", "day_ingest"):
        for i, f in enumerate(files):
            _alt_parse_file(f).to_parquet(pq(f), index=False)
            done(i + 1, len(files), unit="files parsed")
    if stage in ("validate", "day_ingest"):
        results = []
        for i, f in enumerate(files):
            frame = pd.read_parquet(pq(f)).drop(columns=["source_file"])
            results.append(_alt_gx_validate(frame))
            done(i + 1, len(files), unit="files validated")
        (work / f"gx_{stage}.json").write_text(json.dumps(results))
    if stage in ("load", "day_ingest"):
        con = sqlite3.connect(db)
        rows = 0
        total_rows = None
        for i, f in enumerate(files):
            df = pd.read_parquet(pq(f))
            for start in range(0, len(df), 10_000):  # = to_sql(chunksize=10_000), with progress
                df.iloc[start:start + 10_000].to_sql("motcua_dossier", con, if_exists="append", index=False)
                rows += min(10_000, len(df) - start)
                done(i, len(files), rows=rows, total_rows=total_rows, unit="files loaded")
            con.commit()
            done(i + 1, len(files), rows=rows, unit="files loaded")
        con.close()
    if stage in ("build", "incremental_build"):
        from kpi_sql import kpi_sql

        con = sqlite3.connect(db)
        prov = pd.read_csv(_provinces_csv(), dtype=str)
        prov.to_sql("ref_provinces", con, if_exists="replace", index=False)
        con.executescript(
            "DROP VIEW IF EXISTS kpi_input; CREATE VIEW kpi_input AS SELECT dossier_code, agency_code, channel, "
            "received_at, appointment_at, completed_at, status_raw, supplement_count, supplement_wait_days, fee_amount, "
            "online_payment, has_digitised_components, updated_at, period_month FROM motcua_dossier;"
            "DROP TABLE IF EXISTS kpi;")
        con.execute(f"CREATE TABLE kpi AS {kpi_sql('kpi_input', 'ref_provinces', 'sqlite')}")
        con.commit()
        con.close()
        done(1, 1, unit="KPI query")


def alt_kpis(state: Path) -> list[tuple]:
    import sqlite3

    con = sqlite3.connect(state / "alternative.sqlite")
    try:
        return [tuple(r) for r in con.execute(
            "SELECT unit_code, unit_valid_from, kpi_code, period_start, numerator, denominator FROM kpi "
            "ORDER BY 1, 2, 3, 4").fetchall()]
    finally:
        con.close()


# =========================================================================================== comparison
def compare(a: list[tuple] | None, b: list[tuple] | None) -> dict:
    if a is None or b is None:
        return {"rows_a": None, "rows_b": None, "only_in_a": None, "only_in_b": None, "different": None,
                "equal": False, "examples": [], "error": "a KPI table is missing (a build failed)"}
    ka = {r[:4]: (int(r[4]), int(r[5])) for r in a}
    kb = {r[:4]: (int(r[4]), int(r[5])) for r in b}
    only_a = sorted(set(ka) - set(kb))
    only_b = sorted(set(kb) - set(ka))
    diff = sorted(k for k in set(ka) & set(kb) if ka[k] != kb[k])
    return {"rows_a": len(ka), "rows_b": len(kb), "only_in_a": len(only_a), "only_in_b": len(only_b),
            "different": len(diff), "equal": not (only_a or only_b or diff),
            "examples": [list(k) + [ka.get(k), kb.get(k)] for k in (diff + only_a + only_b)[:5]]}


def write_kpis(path: Path, rows: list[tuple]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["unit_code", "unit_valid_from", "kpi_code", "period_start", "numerator", "denominator"])
        w.writerows(rows)


# =========================================================================================== run a scale
def warm_dbt_parse(env: dict, cache: Path, scratch: Path, log: Path) -> None:
    """chiso keeps dbt's parse of its project for every new warehouse (``CHISO_DBT_PARSE_CACHE``): parse once here,
    untimed, in a scratch data folder, so that the from-scratch build starts as on a machine where the project was
    built once before (as ``make run`` leaves it). Without it the build would include dbt's full parse (~3 s)."""
    env["CHISO_DBT_PARSE_CACHE"] = str(cache / "dbt-parse")
    warm = {k: v for k, v in env.items() if k not in ("DBT_TARGET_PATH", "DBT_LOG_PATH")}
    warm["CHISO_DATA_DIR"] = str(scratch)
    r = M.run([M.python(), "-c", "from chiso.warehouse import dbt; dbt.run(['parse'])"], env=warm, log_path=log)
    if r["status"] != "ok":
        raise SystemExit(f"dbt parse failed; see {log}")
    shutil.rmtree(scratch, ignore_errors=True)


def run_scale(scale: str, out: Path, *, repeat: int, alt_timeout: float, alt_mem: int, skip_alt: bool,
              keep: bool, cache: Path, workdir: Path | None, dbt_project: Path | None = None) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    log = out / f"{scale}.log"
    log.write_text("")
    gen, gen_info = ensure_data(scale, cache, log)
    p = gen_info["params"]
    day_month = _next_month(p["end"])
    runs = []
    for rep in range(repeat):
        root = (workdir or (cache / "runs")) / f"{scale}-{os.getpid()}-{rep}"
        shutil.rmtree(root, ignore_errors=True)
        state = root / "state"
        state.mkdir(parents=True)
        data = root / "data"
        incoming = data / "incoming"
        stage_incoming(gen, incoming, p["end"])
        day_dir = root / "day"
        day_files = make_day_files(gen, day_dir, day_month)
        dossier_files = sorted(str(f) for f in incoming.glob("motcua/*/hoso_*.csv"))
        env = M.child_env(CHISO_DATA_DIR=str(data), CHISO_PII_KEY=PII_KEY,
                          DBT_TARGET_PATH=str(root / "dbt" / "target"), DBT_LOG_PATH=str(root / "dbt" / "logs"))
        env.pop("CHISO_WAREHOUSE", None)
        if dbt_project:
            env["CHISO_DBT_PROJECT_DIR"] = str(dbt_project)
        warm_dbt_parse(env, cache, root / "parse", log)
        res: dict = {c: {} for c in CONTESTANTS}
        res["ours_other"] = {}
        res["notes"] = {}
        kpi = {}

        def measure(contestant, stage, cmd, env=env, **caps):
            r = M.run(cmd, env=env, log_path=log, **caps)
            print(f"[{scale}] {contestant:12s} {stage:18s} {r['status']:10s} {r['seconds']:9.2f} s  "
                  f"peak {M.gib(r['peak_rss_bytes'])}", flush=True)
            return r

        def ours(stage, group, state=state):
            return measure("ours_other" if group == "other" else "ours", stage,
                           [M.python(), __file__, "_ours", stage, group, str(state)])

        # ---- chiso
        for stage in ("land_parse", "validate", "load"):
            res["ours"][stage] = ours(stage, "dossier")
            res["ours_other"][stage] = ours(stage, "other")
        res["ours"]["build"] = ours("build", "all")
        kpi["ours_build"] = ours_kpis(data / "warehouse.duckdb")
        for f in day_files:
            dest = incoming / f.relative_to(day_dir)
            shutil.copyfile(f, dest)
        res["ours"]["day_ingest"] = ours("day_ingest", "dossier")
        res["ours"]["incremental_build"] = ours("incremental_build", "all")
        kpi["ours_incremental"] = ours_kpis(data / "warehouse.duckdb")
        for st in ("land_parse", "build", "day_ingest", "incremental_build"):
            tp = state / f"timings_{st}_{'all' if 'build' in st else 'dossier'}.json"
            if tp.exists():
                res["ours"][st]["inner"] = json.loads(tp.read_text())
        res["notes"]["ours_load"] = ours_summary(state, "load", "dossier")
        res["notes"]["ours_other_load"] = ours_summary(state, "load", "other")
        res["notes"]["ours_day"] = ours_summary(state, "day_ingest", "dossier")
        if not keep:  # disk: at national scale the landed copies and Parquet are tens of GB
            for sub in ("landing", "work"):
                shutil.rmtree(data / sub, ignore_errors=True)

        def stage_files(stage, day_files=day_files, dossier_files=dossier_files):
            return [str(f) for f in day_files] if stage == "day_ingest" else dossier_files

        def uncapped(name, kpis, leftovers, res=res, kpi=kpi, state=state):
            """Every stage of a contestant expected to finish, its KPIs after the build and the extra day."""
            for stage in STAGES:
                res[name][stage] = measure(name, stage, [M.python(), __file__, f"_{name}", stage, str(state),
                                                         json.dumps(stage_files(stage))])
                if stage == "build":
                    kpi[f"{name}_build"] = kpis(state)
            kpi[f"{name}_incremental"] = kpis(state)
            if not keep:
                for leftover in leftovers:
                    if leftover.is_dir():
                        shutil.rmtree(leftover, ignore_errors=True)
                    else:
                        leftover.unlink(missing_ok=True)

        # ---- the limit
        uncapped("limit", limit_kpis, [state / "limit_work", state / "limit.duckdb"])

        # ---- the usual alternative (capped)
        stopped = None
        for stage in STAGES:
            if skip_alt:
                res["alternative"][stage] = {"status": "skipped"}
                continue
            if stopped:
                res["alternative"][stage] = {"status": "not_reached", "after": stopped}
                continue
            r = measure("alternative", stage, [M.python(), __file__, "_alt", stage, str(state),
                                               json.dumps(stage_files(stage))], timeout=alt_timeout, mem_cap=alt_mem)
            prog = state / f"alt_progress_{stage}.json"
            if prog.exists():
                r["progress"] = json.loads(prog.read_text())
            res["alternative"][stage] = r
            if r["status"] != "ok":
                stopped = f"{stage}: {r['status']}"
            elif stage == "build":
                kpi["alternative_build"] = alt_kpis(state)
        if not stopped and not skip_alt:
            kpi["alternative_incremental"] = alt_kpis(state)

        # ---- the peer: dlt (uncapped: it is expected to finish)
        uncapped("dlt", dlt_kpis, [state / "dlt_pipelines", state / "dlt.duckdb"])

        checks = {
            "ours_vs_limit_build": compare(kpi["ours_build"], kpi["limit_build"]),
            "dlt_vs_limit_build": compare(kpi["dlt_build"], kpi["limit_build"]),
            "dlt_vs_limit_incremental": compare(kpi["dlt_incremental"], kpi["limit_incremental"]),
            "ours_vs_limit_incremental": compare(kpi["ours_incremental"], kpi["limit_incremental"]),
        }
        if "alternative_incremental" in kpi:
            checks["alternative_vs_limit_incremental"] = compare(kpi["alternative_incremental"],
                                                                 kpi["limit_incremental"])
        res["kpi_check"] = checks
        if rep == repeat - 1:
            for name, rows in (("ours", kpi["ours_incremental"]), ("limit", kpi["limit_incremental"]),
                               ("ours_build", kpi["ours_build"]), ("limit_build", kpi["limit_build"]),
                               ("dlt", kpi["dlt_incremental"]), ("dlt_build", kpi["dlt_build"])):
                if rows is not None:
                    write_kpis(out / f"kpi_{scale}_{name}.csv", rows)
        res["data"] = {
            "dossier_files": len(dossier_files),
            "dossier_csv_bytes": sum(os.path.getsize(f) for f in dossier_files),
            "dossier_rows": gen_info["rows"].get("motcua_dossier_csv"),
            "dossiers_received": gen_info["total_dossiers"],
            "documents": gen_info["rows"].get("qlvb_register_xlsx"),
            "files_total": sum(1 for f in incoming.rglob("*") if f.is_file()),
            "day_files": len(day_files),
            "day_rows": sum(max(0, len(f.read_bytes().splitlines()) - 1) for f in day_files),
        }
        runs.append(res)
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
    return aggregate(scale, runs, gen_info, dict(alt_timeout=alt_timeout, alt_mem_bytes=alt_mem, repeat=repeat))


def aggregate(scale: str, runs: list[dict], gen_info: dict, caps: dict) -> dict:
    """Medians over repeats; ratios; end to end."""
    stages = {}
    for c in CONTESTANTS + ["ours_other"]:
        stages[c] = {}
        for st in STAGES:
            rs = [r[c].get(st) for r in runs if r[c].get(st)]
            if not rs:
                continue
            ok = [x for x in rs if x.get("status") == "ok"]
            if ok:
                stages[c][st] = {"status": "ok", "seconds": round(M.median([x["seconds"] for x in ok]), 3),
                                 "peak_rss_bytes": int(M.median([x["peak_rss_bytes"] for x in ok])),
                                 "runs": [x["seconds"] for x in ok]}
                inner = [x["inner"] for x in ok if "inner" in x]
                if inner:
                    stages[c][st]["inner"] = inner[-1]
            else:  # failed or stopped at a cap: keep what happened, no figures to compare
                x = dict(rs[-1])
                stages[c][st] = x
    ratios = {}
    for st in STAGES:
        o, li, a, d = ({k: v for k, v in stages[c].get(st, {}).items() if stages[c].get(st, {}).get("status") == "ok"
                        or k == "status"} for c in CONTESTANTS)
        ratios[st] = {
            "dlt_over_ours": round(d["seconds"] / o["seconds"], 2)
            if d.get("status") == "ok" and o.get("seconds") else None,
            "ours_over_limit": round(o["seconds"] / li["seconds"], 2) if o.get("seconds") and li.get("seconds") else None,
            "alternative_over_ours": round(a["seconds"] / o["seconds"], 2)
            if a.get("status") == "ok" and o.get("seconds") else None,
            "peak_ours_over_limit": round(o["peak_rss_bytes"] / li["peak_rss_bytes"], 2)
            if o.get("peak_rss_bytes") and li.get("peak_rss_bytes") else None,
        }
    e2e = {}
    for c in CONTESTANTS:
        for name, sts in (("initial", INITIAL), ("all", STAGES)):
            vals = [stages[c].get(st, {}) for st in sts]
            complete = all(v.get("status") == "ok" for v in vals)
            e2e.setdefault(c, {})[name] = {
                "complete": complete,
                "seconds": round(sum(v.get("seconds", 0) for v in vals), 3),
                "peak_rss_bytes": max((v.get("peak_rss_bytes", 0) for v in vals), default=0),
            }
    for name in ("initial", "all"):
        o, li, a, d = (e2e[c][name] for c in CONTESTANTS)
        ratios[f"end_to_end_{name}"] = {
            "dlt_over_ours": round(d["seconds"] / o["seconds"], 2) if d["complete"] and o["seconds"] else None,
            "dlt_over_limit": round(d["seconds"] / li["seconds"], 2)
            if d["complete"] and li["complete"] and li["seconds"] else None,
            "ours_over_limit": round(o["seconds"] / li["seconds"], 2)
            if o["complete"] and li["complete"] and li["seconds"] else None,
            "alternative_over_ours": round(a["seconds"] / o["seconds"], 2) if a["complete"] else None,
            "alternative_over_ours_at_least": round(a["seconds"] / o["seconds"], 2) if not a["complete"] else None,
        }
    last = runs[-1]
    return {"scale": scale, "params": gen_info["params"], "data": last["data"],
            "generate_seconds": gen_info.get("generate_seconds"), "stages": stages, "end_to_end": e2e,
            "ratios": ratios, "kpi_check": last["kpi_check"], "notes": last["notes"], "caps": caps,
            "repeat": len(runs), "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


# =========================================================================================== report
def markdown(results: dict, machine: dict) -> str:
    lines = [f"# chiso benchmark — {time.strftime('%Y-%m-%d')}", "",
             f"Machine: {machine['cores']} cores, {machine['ram_gib']} GiB RAM, {machine['cpu_model']}, "
             f"Python {machine['python']}, DuckDB {machine['duckdb']} (shared machine: timings are noisy).", ""]
    for scale, r in results.items():
        d = r["data"]
        rows = (r.get("notes", {}).get("ours_load") or {}).get("rows_read") or d["dossier_rows"]
        lines += [f"## {scale}", "",
                  f"{d['dossier_files']} dossier CSVs, {rows:,} export rows "
                  f"({d['dossier_csv_bytes'] / 2**20:.0f} MiB); generated through the extra month: "
                  f"{d['dossiers_received']:,} dossiers received, {d['documents']:,} documents; "
                  f"{d['files_total']} files loaded; one more day = {d['day_files']} "
                  f"file(s), {d['day_rows']:,} rows. Medians of {r['repeat']} run(s). Peak = max RSS of the "
                  f"stage's process tree.", "",
                  "| stage | ours s | ours peak | limit s | limit peak | alternative s | alternative peak "
                  "| dlt s | dlt peak | ours/limit | alternative/ours | dlt/ours |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for st in STAGES + ["end_to_end_initial", "end_to_end_all"]:
            if st.startswith("end_to_end"):
                name = st.split("_")[-1]
                o, li, a, d = (dict(e, status="ok" if e["complete"] else "incomplete") if e else {}
                               for e in (r["end_to_end"].get(c, {}).get(name) for c in CONTESTANTS))
                label = f"**end to end ({'load + build' if name == 'initial' else 'all stages'})**"
            else:
                o, li, a, d = (r["stages"].get(c, {}).get(st, {}) for c in CONTESTANTS)  # older runs: no dlt
                label = st
            rat = r["ratios"][st]

            def cell(x):
                if x.get("status") in ("ok", "incomplete") and "seconds" in x:
                    s = f"{x['seconds']:.2f}"
                    return s if x["status"] == "ok" else f"≥ {s} (incomplete)"
                if x.get("status") in ("timeout", "memory_cap"):
                    pr = x.get("progress") or {}
                    return f"stopped ({x['status']}, {x['seconds']:.0f} s; {pr.get('done', 0)}/{pr.get('total', '?')} " \
                           f"{pr.get('unit', '')}{', ' + format(pr['rows'], ',') + ' rows' if pr.get('rows') else ''})"
                return x.get("status", "—")

            aor = rat.get("alternative_over_ours") or (f"≥ {rat['alternative_over_ours_at_least']}"
                                                       if rat.get("alternative_over_ours_at_least") else "—")
            lines.append(f"| {label} | {cell(o)} | {M.gib(o.get('peak_rss_bytes'))} | {cell(li)} | "
                         f"{M.gib(li.get('peak_rss_bytes'))} | {cell(a)} | {M.gib(a.get('peak_rss_bytes'))} | "
                         f"{cell(d)} | {M.gib(d.get('peak_rss_bytes'))} | "
                         f"{rat.get('ours_over_limit') or '—'}× | {aor}× | {rat.get('dlt_over_ours') or '—'}× |")
        oo = r["stages"].get("ours_other", {})
        if oo:
            lines += ["", "chiso on the other exports (Biểu 06, registers, catalogue, 766; not compared): " +
                      ", ".join(f"{st} {v['seconds']:.1f} s / {M.gib(v.get('peak_rss_bytes'))}"
                                for st, v in oo.items() if v.get("seconds") is not None)]
        inner = r["stages"]["ours"].get("incremental_build", {}).get("inner", {}).get("dbt", {})
        if inner:
            lines += ["", f"dbt incremental: {inner.get('summary')}"]
        lines += ["", "KPI cross-check (numerator and denominator per unit series × month × KPI):"]
        for k, v in r["kpi_check"].items():
            extra = "" if v["equal"] else f", {v['different']} different, examples {v['examples']}"
            lines.append(f"- {k}: {'equal' if v['equal'] else 'DIFFERENT'} ({v['rows_a']} vs {v['rows_b']} rows{extra})")
        lines.append("")
    return "\n".join(lines) + "\n"


def chart(results: dict, path: Path) -> None:
    """Grouped bars (seconds, log scale) per scale x stage for ours / limit / alternative, as a PNG."""
    import math

    import png_chart

    groups = []
    for scale, r in results.items():
        for st in STAGES:
            vals = []
            for c in CONTESTANTS:
                x = r["stages"].get(c, {}).get(st, {})
                vals.append(x["seconds"] if x.get("status") == "ok" else None)
            groups.append((f"{scale[:4]}:{st}", vals))
    png_chart.grouped_bars(path, groups, series=CONTESTANTS,
                           colors=[(31, 119, 180), (44, 160, 44), (214, 39, 40), (148, 103, 189)], log=True,
                           title="seconds per stage (log scale): ours / limit / alternative / dlt")
    _ = math


# =========================================================================================== main
def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_generate":
        generate_child(argv[1], argv[2])
        return 0
    if argv and argv[0] == "_ours":
        ours_child(argv[1], argv[2], Path(argv[3]))
        return 0
    if argv and argv[0] == "_limit":
        limit_child(argv[1], Path(argv[2]), argv[3])
        return 0
    if argv and argv[0] == "_dlt":
        dlt_child(argv[1], Path(argv[2]), argv[3])
        return 0
    if argv and argv[0] == "_alt":
        alt_child(argv[1], Path(argv[2]), argv[3])
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", action="append", choices=list(SCALES), help="repeatable; default tiny")
    ap.add_argument("--out", default=str(HERE / "results"))
    ap.add_argument("--cache", default=str(HERE / ".cache"))
    ap.add_argument("--workdir", default=None, help="where runs' data go (default: <cache>/runs)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--alt-timeout", type=float, default=None, help="seconds per alternative stage")
    ap.add_argument("--alt-mem-gib", type=float, default=8.0, help="memory cap of the alternative")
    ap.add_argument("--skip-alternative", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep each run's data folder")
    ap.add_argument("--no-chart", action="store_true")
    ap.add_argument("--dbt-project", default=None, help="dbt project folder (default: dbt_project/, as checked out)")
    ap.add_argument("--dbt-from-git", default=None, metavar="REV",
                    help="build with dbt_project/ as committed at REV (git archive into the cache), e.g. HEAD, "
                         "to measure a consistent project while dbt_project/ is being edited")
    ap.add_argument("--report-only", action="store_true", help="rewrite latest.md and the chart from latest.json")
    a = ap.parse_args(argv)
    if a.report_only:
        latest = json.loads((Path(a.out) / "latest.json").read_text())
        (Path(a.out) / "latest.md").write_text(markdown(latest["scales"], latest["machine"]), encoding="utf-8")
        if not a.no_chart:
            chart(latest["scales"], Path(a.out) / "bench.png")
        return 0
    dbt_project = Path(a.dbt_project).resolve() if a.dbt_project else None
    if a.dbt_from_git:
        import subprocess

        rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", a.dbt_from_git], capture_output=True, text=True,
                             check=True).stdout.strip()
        dest = Path(a.cache) / f"dbt_project-{rev[:12]}"
        if not (dest / "dbt_project" / "dbt_project.yml").exists():
            dest.mkdir(parents=True, exist_ok=True)
            tar = subprocess.run(["git", "-C", str(REPO), "archive", rev, "dbt_project"], capture_output=True,
                                 check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(dest)], input=tar, check=True)
        dbt_project = dest / "dbt_project"
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    machine = M.machine()
    latest_path = out / "latest.json"
    latest = json.loads(latest_path.read_text()) if latest_path.exists() else {"scales": {}}
    for scale in a.scale or ["tiny"]:
        timeout = a.alt_timeout or {"tiny": 120, "province": 1800, "national": 3600}[scale]
        r = run_scale(scale, out, repeat=a.repeat, alt_timeout=timeout, alt_mem=int(a.alt_mem_gib * M.GiB),
                      skip_alt=a.skip_alternative, keep=a.keep, cache=Path(a.cache),
                      workdir=Path(a.workdir) if a.workdir else None, dbt_project=dbt_project)
        r["dbt_project"] = str(dbt_project or REPO / "dbt_project") + (f" (git {a.dbt_from_git})" if a.dbt_from_git else "")
        r["machine"] = machine
        M.dump(out / f"{scale}.json", r)
        latest["scales"][scale] = r
        latest["machine"] = machine
        M.dump(latest_path, latest)
        print(markdown({scale: r}, machine), flush=True)
    (out / "latest.md").write_text(markdown(latest["scales"], machine), encoding="utf-8")
    if not a.no_chart:
        try:
            chart(latest["scales"], out / "bench.png")
        except Exception as exc:  # the chart is a convenience
            print(f"chart not written: {exc}", file=sys.stderr)
    bad = [s for s, r in latest["scales"].items() if not all(v["equal"] for v in r["kpi_check"].values())]
    if bad:
        print(f"KPI cross-check FAILED for {bad}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
