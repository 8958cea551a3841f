"""Benchmark of the data-quality gate (issue 4): the full motcua_dossier suite on a 10-million-row batch,
against one hand-written DuckDB SQL pass computing the same checks, on the same Parquet file.

    .venv/bin/python bench/bench_gate.py [--rows 10000000] [--keep]

Each side runs in its own child process (peak memory = the child's max RSS). Figures go to
bench/results/gate.json and are printed as a Markdown table. Not a test: run by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))

MAKE_BATCH = """
COPY (
  SELECT
    i AS source_row,
    DATE '2026-08-01' AS period_month,
    'H13.' || lpad(CAST(1 + i % 60 AS VARCHAR), 2, '0') || '-2608' || lpad(CAST(i % 31 + 1 AS VARCHAR), 2, '0')
        || '-' || lpad(CAST(i AS VARCHAR), 8, '0') AS dossier_code,
    '1.00' || CAST(1000 + i % 80 AS VARCHAR) AS procedure_code,
    'Thủ tục ' || CAST(i % 80 AS VARCHAR) AS procedure_name,
    'LV' || CAST(i % 12 AS VARCHAR) AS field_code,
    'Lĩnh vực ' || CAST(i % 12 AS VARCHAR) AS field_name,
    CASE WHEN i % 1000003 = 7 THEN 'X13.01' ELSE 'H13.' || lpad(CAST(1 + i % 60 AS VARCHAR), 2, '0') END AS agency_code,
    'Cơ quan ' || CAST(i % 60 AS VARCHAR) AS agency_name,
    CAST(CASE WHEN i % 2000003 = 11 THEN 9 ELSE 1 + i % 3 END AS SMALLINT) AS channel,
    TIMESTAMP '2026-08-01 08:00:00' + INTERVAL (i % 2500000) SECOND AS received_at,
    TIMESTAMP '2026-08-01 08:00:00' + INTERVAL (i % 2500000 + 864000) SECOND AS appointment_at,
    CASE WHEN i % 5 = 0 THEN NULL ELSE TIMESTAMP '2026-08-01 08:00:00' + INTERVAL (i % 2500000 + 400000) SECOND END
        AS completed_at,
    'Đã trả kết quả' AS status_raw,
    CASE WHEN i % 5 = 0 THEN 'processing' ELSE 'returned' END AS status,
    CAST(i % 40 = 0 AS SMALLINT) AS supplement_count,
    CASE WHEN i % 40 = 0 THEN 2.5 END AS supplement_wait_days,
    CAST(CASE WHEN i % 3 = 0 THEN 50000 END AS BIGINT) AS fee_amount,
    CAST(CASE WHEN i % 3 = 0 THEN i % 3 END AS SMALLINT) AS online_payment,
    i % 3 = 1 AS has_digitised_components,
    i % 4 = 1 AS has_electronic_result,
    i % 2 = 1 AS vneid_verified,
    sha256(CAST(i AS VARCHAR)) AS applicant_key,
    TIMESTAMP '2026-09-01 00:00:00' AS updated_at
  FROM range(1, {rows} + 1) t(i)
) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 500000)
"""

# the same checks as expectations/motcua_dossier.json, written by hand as one aggregate pass
HAND_SQL = """
WITH ref AS (
  SELECT agency_prefix, CAST(valid_from AS DATE) AS vf, coalesce(CAST(valid_to AS DATE), DATE '9999-12-31') AS vt
  FROM read_csv('{ref}', header = true, all_varchar = true)
)
SELECT
  count(*) AS n,
  count(*) FILTER (WHERE dossier_code IS NULL) AS code_null,
  count(dossier_code) - count(DISTINCT dossier_code) AS code_dup,
  count(*) FILTER (WHERE received_at IS NULL) AS received_null,
  count(*) FILTER (WHERE appointment_at IS NULL) AS appointment_null,
  count(*) FILTER (WHERE channel NOT IN (1, 2, 3)) AS channel_bad,
  count(*) FILTER (WHERE status NOT IN ('received','processing','supplement','done','returned','stopped','refused','withdrawn')) AS status_bad,
  count(*) FILTER (WHERE appointment_at < received_at) AS appointment_before,
  count(*) FILTER (WHERE completed_at < received_at) AS completed_before,
  count(*) FILTER (WHERE fee_amount < 0 OR fee_amount > 10000000000) AS fee_bad,
  count(*) FILTER (WHERE online_payment NOT IN (0, 1, 2)) AS payment_bad,
  count(*) FILTER (WHERE supplement_count < 0 OR supplement_count > 100) AS supplement_bad,
  count(*) FILTER (WHERE NOT regexp_matches(agency_code, '^[A-Z]\\d{{2}}(\\.\\d{{2,3}})*$')) AS agency_shape,
  count(*) FILTER (WHERE procedure_code IS NULL) AS procedure_null,
  count(*) FILTER (WHERE agency_code IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM ref WHERE ref.agency_prefix = split_part(agency_code, '.', 1)
        AND CAST(received_at AS DATE) BETWEEN ref.vf AND ref.vt)) AS agency_unknown
FROM read_parquet('{path}')
"""


def _child(kind: str, path: str, out: str) -> None:
    imports = 0.0
    if kind == "gate":
        os.environ.setdefault("CHISO_DATA_DIR", tempfile.mkdtemp())
        t0 = time.perf_counter()
        from chiso.quality import compiler, gate

        compiler.engine_connection()  # what a task process imports once: chiso.quality.gate and DuckDB
        imports = time.perf_counter() - t0
        start = time.perf_counter()
        outcome, _ = gate.validate_parquet("motcua_dossier", path)
        summary = {"success": outcome["success"], "failed": [c["why"][:50] for c in outcome["checks"]
                                                             if not c["success"]],
                   "great_expectations_imported": "great_expectations" in sys.modules}
    else:
        import duckdb
        from chiso import settings

        start = time.perf_counter()
        con = duckdb.connect()
        row = con.execute(HAND_SQL.format(path=path, ref=settings.reference_csv("ref_provinces.csv"))).fetchone()
        summary = {"row": [int(v) for v in row]}
    seconds = time.perf_counter() - start
    Path(out).write_text(json.dumps({"seconds": seconds, "import_seconds": imports, "summary": summary}))


def _run(kind: str, path: Path) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = fh.name
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--child", kind, str(path), out], check=True)
    process_seconds = time.perf_counter() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = json.loads(Path(out).read_text())
    result["peak_mib"] = round(max(peak_kib, before) / 1024, 1)
    result["process_seconds"] = process_seconds  # the whole child: interpreter, imports, the check
    return result


def machine() -> dict:
    import duckdb

    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    mem = next((int(line.split()[1]) for line in meminfo if line.startswith("MemTotal")), 0)
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(mem / 1024 / 1024, 1),
            "python": platform.python_version(), "duckdb": duckdb.__version__, "os": platform.platform()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--child", nargs=3)
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return
    import duckdb

    work = Path(tempfile.mkdtemp(prefix="chiso-bench-gate-"))
    path = work / "motcua_dossier.parquet"
    t = time.perf_counter()
    duckdb.connect().execute(MAKE_BATCH.format(rows=args.rows, path=path))
    print(f"batch of {args.rows:,} rows written in {time.perf_counter() - t:.1f}s ({path.stat().st_size / 2**20:.0f} MiB)")
    # peak memory per side: the first child of each kind sets ru_maxrss, so measure each kind in its own parent
    runs = {"gate": [], "hand_sql": []}
    for _ in range(args.repeat):
        for kind in ("hand_sql", "gate"):
            runs[kind].append(_measure_isolated(kind, path))
    res = {}
    for kind, rs in runs.items():
        secs = sorted(r["seconds"] for r in rs)
        res[kind] = {"seconds_median": round(secs[len(secs) // 2], 2), "seconds_all": [round(s, 2) for s in secs],
                     "peak_mib": max(r["peak_mib"] for r in rs), "summary": rs[0]["summary"],
                     "import_seconds": round(max(r["import_seconds"] for r in rs), 2),
                     "process_seconds_median": round(sorted(r["process_seconds"] for r in rs)[len(rs) // 2], 2)}
    ratio = res["gate"]["seconds_median"] / res["hand_sql"]["seconds_median"]
    report = {"rows": args.rows, "machine": machine(), "results": res, "gate_over_hand_sql": round(ratio, 2),
              "goals": {"within_2x": ratio <= 2.0, "peak_under_3_gib": res["gate"]["peak_mib"] < 3072}}
    out = REPO / "bench" / "results" / "gate.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, ensure_ascii=False))
    print(f"\n| {args.rows:,} rows | seconds (median of {args.repeat}) | whole process | peak memory |\n"
          "|---|---:|---:|---:|")
    for kind, label in (("gate", "chiso gate (GX suite, compiled)"), ("hand_sql", "one hand-written SQL pass")):
        print(f"| {label} | {res[kind]['seconds_median']} | {res[kind]['process_seconds_median']} | "
              f"{res[kind]['peak_mib']} MiB |")
    print(f"\ngate / hand SQL = {ratio:.2f}× (the gate's imports per task process, chiso.quality.gate and DuckDB, "
          f"{res['gate']['import_seconds']}s, are not counted; Great Expectations imported: "
          f"{res['gate']['summary']['great_expectations_imported']})   machine: {report['machine']}")
    if not args.keep:
        path.unlink()
        work.rmdir()


def _measure_isolated(kind: str, path: Path) -> dict:
    """Run one measurement in a fresh parent so RUSAGE_CHILDREN's max RSS belongs to that child alone."""
    code = (f"import sys, json; sys.argv=['x']; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"import bench_gate as b; print(json.dumps(b._run({kind!r}, __import__('pathlib').Path({str(path)!r}))))")
    proc = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
