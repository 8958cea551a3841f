"""Issue 3: load a 2-million-row one-stop-shop dossier CSV into the raw layer, against DuckDB's own read_csv.

    .venv/bin/python bench/bench_load_csv.py [--rows 2000000] [--repeat 3] [--keep]

1. Writes (or reuses, under ``bench/.cache/``) one dossier CSV in the exact export format (docs/FORMATS.md §1,
   personal columns included), with the sample generator's own simulation and writer: one province (Cao
   Bằng), the dossiers received month by month over 2024, each written once with its state at the end of the
   year, into ``hoso_04_2024-12.csv`` (one BOM, one header), cut at exactly ``--rows`` rows.
2. In a child process per measurement, on a fresh DuckDB file each time:
   * **chiso**: ``landing.land`` (hash + immutable copy; timed separately), then ``parse.parse_batch``
     (``parse_dossier_csv`` → Parquet) and ``load.load`` (the load step's SQL: INSERT … FROM
     read_parquet into ``raw.motcua_dossier``, manifest, accounting), with ``CHISO_DATA_DIR`` in a temp dir;
   * **read_csv**: ``CREATE TABLE t AS SELECT * FROM read_csv('file')`` (auto-detected types).
3. Prints a Markdown table (medians of ``--repeat`` runs) and writes ``bench/results/load_csv.json``.

Before the measured runs, one untimed run of each side on a 1 000-row file fills Python's bytecode cache
(``bench/.cache/pycache``; the children run with it on even if the shell sets PYTHONDONTWRITEBYTECODE), so
that no measured step compiles library sources. The library imports themselves stay inside the steps.

Goal (issue 3): parse+load within 2× of read_csv, peak memory < 2 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "plugins")]

import _measure as M  # noqa: E402

CACHE = HERE / ".cache"
RESULTS = HERE / "results"


# ------------------------------------------------------------------------------------------- the file
def write_dossier_csv(path: Path, rows: int, seed: int = 20230101) -> dict:
    """Stream ``rows`` dossiers of one province into one export CSV (the generator's simulation + writer)."""
    import numpy as np
    from chiso_sample import dossiers as dz
    from chiso_sample import writers
    from chiso_sample.generate import _rng
    from chiso_sample.units import SEASON, tables, units_for

    u = next(x for x in units_for(1) if not x.is_new)  # 04 Cao Bằng before the reorganisation
    t = tables(u)
    y = 2024
    per_month = int(rows / 12 / u.weight / (sum(SEASON) / 12) * 1.02) + 1
    t_end = int(dz.to_sec(dz.month_bounds(y, 12)[1]))
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".month")
    written = 0
    started = time.perf_counter()
    with open(path.with_name(path.name + ".part"), "wb") as out:
        for m in range(1, 13):
            if written >= rows:
                break
            s = dz.new_dossiers(_rng(seed, u, y, m, 1), t, y, m, per_month, False)
            k = min(len(s["recv"]), rows - written) if m < 12 else rows - written
            if k > len(s["recv"]):  # top up in December from a second draw (never needed with the 2 % margin)
                raise RuntimeError("not enough dossiers drawn; raise the margin")
            idx = np.arange(k)
            writers.write_dossier_csv(part, s, idx, u, t_end, dz.status_at(s, t_end))
            with open(part, "rb") as fh:
                if written:  # one BOM and one header for the whole file
                    fh.readline()
                shutil.copyfileobj(fh, out, 1 << 22)
            written += k
    part.unlink(missing_ok=True)
    os.replace(path.with_name(path.name + ".part"), path)
    return {"rows": written, "bytes": path.stat().st_size, "seconds": round(time.perf_counter() - started, 1)}


def ensure_file(rows: int) -> tuple[Path, dict]:
    path = CACHE / f"load_csv_{rows}" / "motcua" / "04" / "hoso_04_2024-12.csv"
    meta_path = path.parent.parent.parent / "meta.json"
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("rows") == rows and meta.get("bytes") == path.stat().st_size:
            return path, dict(meta, reused=True)
    print(f"writing a {rows:,}-row dossier export to {path} …", flush=True)
    meta = write_dossier_csv(path, rows)
    meta_path.write_text(json.dumps(meta))
    return path, dict(meta, reused=False)


# ------------------------------------------------------------------------------------------- children
def child_ours(csv: Path, out: Path) -> None:
    """Land, parse (parse_dossier_csv → Parquet), load (INSERT into raw.motcua_dossier) in a temp data dir."""
    data = Path(tempfile.mkdtemp(prefix="chiso-bench-", dir=os.environ.get("BENCH_TMP")))
    os.environ["CHISO_DATA_DIR"] = str(data)
    os.environ.setdefault("CHISO_PII_KEY", "bench-key-not-a-secret")
    incoming = data / "incoming" / "motcua" / "04"
    incoming.mkdir(parents=True)
    os.link(csv, incoming / csv.name) if os.stat(csv).st_dev == os.stat(incoming).st_dev else \
        shutil.copyfile(csv, incoming / csv.name)
    from chiso.ingest import landing, load, parse
    from chiso.ingest.batch import Batch

    t0, c0 = time.perf_counter(), time.process_time()
    rec, _ = landing.land(incoming / csv.name, "motcua")
    t1, c1 = time.perf_counter(), time.process_time()
    b = parse.parse_batch(Batch(landed=rec))
    t2, c2 = time.perf_counter(), time.process_time()
    assert b.status == "parsed", b.error
    b = b.but(status="validated")  # this benchmark is parse + load; the GX gate is timed by bench/harness.py
    res = load.load([b])[0]
    t3, c3 = time.perf_counter(), time.process_time()
    assert res.status == "loaded", res
    out.write_text(json.dumps({"land": t1 - t0, "parse": t2 - t1, "load": t3 - t2,
                               "cpu_land": c1 - c0, "cpu_parse": c2 - c1, "cpu_load": c3 - c2,
                               "rows_loaded": res.rows_loaded, "rows_rejected": res.rows_rejected,
                               "warehouse_bytes": (data / "warehouse.duckdb").stat().st_size}))
    shutil.rmtree(data, ignore_errors=True)


def child_read_csv(csv: Path, out: Path) -> None:
    import duckdb

    d = Path(tempfile.mkdtemp(prefix="chiso-bench-", dir=os.environ.get("BENCH_TMP")))
    db = d / "t.duckdb"
    t0, c0 = time.perf_counter(), time.process_time()
    con = duckdb.connect(str(db))
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv}')")
    n = con.execute("SELECT count(*) FROM t").fetchone()[0]
    con.execute("CHECKPOINT")
    con.close()
    out.write_text(json.dumps({"total": time.perf_counter() - t0, "cpu_total": time.process_time() - c0,
                               "rows_loaded": n,
                               "warehouse_bytes": db.stat().st_size}))
    shutil.rmtree(d, ignore_errors=True)


# ------------------------------------------------------------------------------------------- main
def _env() -> dict:
    """The children's environment, with Python's bytecode cache on (under bench/.cache/pycache): a shell
    with PYTHONDONTWRITEBYTECODE set would otherwise make every child compile pyarrow, pandas ... from
    source inside the timed steps (over a second), which no deployment pays."""
    env = M.child_env(PYTHONPYCACHEPREFIX=str(CACHE / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def measure(kind: str, csv: Path) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        out = Path(fh.name)
    r = M.run([M.python(), __file__, "--child", kind, "--csv", str(csv), "--out", str(out)],
              env=_env(), log_path=HERE / "results" / "load_csv.log")
    detail = json.loads(out.read_text()) if out.exists() and out.stat().st_size else {}
    out.unlink(missing_ok=True)
    if r["status"] != "ok":
        raise RuntimeError(f"{kind} failed: {r}; see bench/results/load_csv.log")
    return dict(r, **detail)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--child", choices=["ours", "read_csv"])
    ap.add_argument("--csv")
    ap.add_argument("--out")
    ap.add_argument("--json", default=str(RESULTS / "load_csv.json"))
    a = ap.parse_args(argv)
    if a.child == "ours":
        child_ours(Path(a.csv), Path(a.out))
        return 0
    if a.child == "read_csv":
        child_read_csv(Path(a.csv), Path(a.out))
        return 0

    RESULTS.mkdir(parents=True, exist_ok=True)
    csv, meta = ensure_file(a.rows)
    print(f"file: {csv} ({meta['rows']:,} rows, {meta['bytes'] / 2**20:.0f} MiB)", flush=True)
    runs: dict[str, list[dict]] = {"ours": [], "read_csv": []}
    small, _ = ensure_file(1000)  # warm-up, not counted: fills the bytecode cache for both sides
    for kind in ("read_csv", "ours"):
        measure(kind, small)
    for i in range(a.repeat):
        for kind in ("read_csv", "ours"):  # alternate, so background load hits both alike
            r = measure(kind, csv)
            runs[kind].append(r)
            print(f"  run {i + 1} {kind:8s} {r['seconds']:7.2f} s  peak {M.gib(r['peak_rss_bytes'])}", flush=True)

    def med(kind, key):
        vals = [r[key] for r in runs[kind] if key in r]
        return M.median(vals) if vals else None

    # wall time of the child includes the interpreter start and imports; the stage times are inside it
    ours_pl = M.median([r["parse"] + r["load"] for r in runs["ours"]])
    ours_wall = med("ours", "seconds")
    rc_wall = med("read_csv", "seconds")
    rc_inner = med("read_csv", "total")
    summary = {
        "ours_parse_load_seconds": round(ours_pl, 2),
        "ours_land_seconds": round(med("ours", "land"), 2),
        "ours_parse_seconds": round(med("ours", "parse"), 2),
        "ours_load_seconds": round(med("ours", "load"), 2),
        "ours_child_wall_seconds": round(ours_wall, 2),
        "ours_peak_rss_bytes": int(med("ours", "peak_rss_bytes")),
        "read_csv_seconds": round(rc_inner, 2),
        "read_csv_child_wall_seconds": round(rc_wall, 2),
        "read_csv_peak_rss_bytes": int(med("read_csv", "peak_rss_bytes")),
        "ratio_parse_load_vs_read_csv": round(ours_pl / rc_inner, 2),
        "ratio_child_wall": round((ours_wall - med("ours", "land")) / rc_wall, 2),
    }
    # CPU seconds (all threads of the child): less sensitive than wall time to other work on a shared machine
    if all("cpu_parse" in r for r in runs["ours"]) and all("cpu_total" in r for r in runs["read_csv"]):
        ours_cpu = M.median([r["cpu_parse"] + r["cpu_load"] for r in runs["ours"]])
        summary.update({
            "ours_parse_load_cpu_seconds": round(ours_cpu, 2),
            "ours_land_cpu_seconds": round(med("ours", "cpu_land"), 2),
            "read_csv_cpu_seconds": round(med("read_csv", "cpu_total"), 2),
            "ratio_parse_load_cpu_vs_read_csv": round(ours_cpu / med("read_csv", "cpu_total"), 2),
        })
    goals = {
        "within_2x_of_read_csv": summary["ratio_parse_load_vs_read_csv"] <= 2.0,
        "peak_below_2_GiB": summary["ours_peak_rss_bytes"] < 2 * M.GiB,
    }
    result = {"benchmark": "load_csv", "issue": 3, "machine": M.machine(), "file": dict(meta, path=str(csv)),
              "repeat": a.repeat, "runs": runs, "median": summary, "goals": goals,
              "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    M.dump(Path(a.json), result)
    mc = result["machine"]
    print()
    print(f"Machine: {mc['cores']} cores, {mc['ram_gib']} GiB, {mc['cpu_model']}, Python {mc['python']}, "
          f"DuckDB {mc['duckdb']}; file {meta['rows']:,} rows, {meta['bytes'] / 2**20:.0f} MiB; "
          f"medians of {a.repeat} runs")
    print()
    def cpu(key):
        return f"{summary[key]:.2f}" if key in summary else "—"

    print("| step | seconds | CPU seconds | peak memory |")
    print("|---|---:|---:|---:|")
    print(f"| chiso land (SHA-256 + immutable copy) | {summary['ours_land_seconds']:.2f} | "
          f"{cpu('ours_land_cpu_seconds')} | |")
    print(f"| chiso parse (parse_dossier_csv → Parquet) | {summary['ours_parse_seconds']:.2f} | | |")
    print(f"| chiso load (INSERT into raw.motcua_dossier) | {summary['ours_load_seconds']:.2f} | | |")
    print(f"| **chiso parse + load** | **{ours_pl:.2f}** | {cpu('ours_parse_load_cpu_seconds')} | "
          f"{M.gib(summary['ours_peak_rss_bytes'])} |")
    print(f"| DuckDB `CREATE TABLE t AS SELECT * FROM read_csv(…)` | {rc_inner:.2f} | "
          f"{cpu('read_csv_cpu_seconds')} | {M.gib(summary['read_csv_peak_rss_bytes'])} |")
    print(f"| **ratio chiso / read_csv** | **{summary['ratio_parse_load_vs_read_csv']:.2f}×** | "
          f"{cpu('ratio_parse_load_cpu_vs_read_csv')}× | |")
    print()
    print(f"goals: within 2× {'met' if goals['within_2x_of_read_csv'] else 'MISSED'}; "
          f"peak < 2 GiB {'met' if goals['peak_below_2_GiB'] else 'MISSED'}  → {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
