"""Issue 11: peak memory and time of parsing a large one-stop-shop dossier JSON export, streamed (now) against
the whole-document reading it replaced (json.loads of the file, a list of rows), side by side in one run.

    .venv/bin/python bench/bench_json_memory.py [--mb 85] [--repeat 3] [--keep]

1. Writes (or reuses, under ``bench/.cache/json-memory/``) one export of about ``--mb`` MB in the vendor's
   paged JSON (``motcua-dossier-json``, a list of search pages of 1 000 items): one province-month of the sample
   generator's dossiers (``chiso_sample.generate``), each rewritten as the REST search returns it
   (``chiso_sample.dossier_json``: nested procedure/agency/status objects, ISO dates, the applicant's personal
   data under ``applicant`` and ``eForm``).
2. Measures, each in its own child process (peak = ``ru_maxrss`` read by the child itself with
   ``resource.getrusage`` after the parse, cross-checked with the kernel's ``VmHWM``; time = the parse call,
   imports excluded), alternating the sides:
   * **parse step, streamed**: ``chiso.sources.parse(path, out_dir=...)``: the pre-read limits, format
     detection and ``parse_dossier_json``, as the parse step's child runs them;
   * **parse step, whole (before)**: the same limits, then detection and parse as they were before this change
     (reference functions below: ``json.loads`` of the file to detect it, then ``load_json`` + a list of row
     dicts + one Arrow table registered in DuckDB);
   * **parser alone**, streamed and whole: ``parse_dossier_json`` against the reference parse, no detection.
   Each child also reports its resident memory after the imports and a warm-up parse of a 100-dossier file
   (DuckDB, Arrow and the SQL initialised): the part of the peak that does not depend on the file.
3. Checks that both sides wrote the same Parquet table, prints a Markdown table (medians of ``--repeat`` runs;
   peak: the largest) and writes ``bench/results/json_memory.json``.

A child's ``ru_maxrss`` starts at its parent's peak (Linux keeps the larger of the two across fork and exec:
a child of a 500 MB parent reports 500 MB however little it uses). So this parent stays small: the export is
written by a child process too, and nothing large is imported here before the measurements.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "plugins")]

import _measure as M  # noqa: E402

CACHE = HERE / ".cache" / "json-memory"
RESULTS = HERE / "results"
BYTES_PER_ITEM = 1210  # an item of chiso_sample.dossier_json, in the file (measured: 53.0 MB for 43 941)
ROWS_PER_SCALE = 0.55  # rows of a first month's CSV per unit of generate(dossiers_per_month=...) (one province)
MODES = {
    "step-streamed": "parse step, streamed (now)",
    "step-whole": "parse step, whole document (before)",
    "parser-streamed": "parse_dossier_json alone, streamed (now)",
    "parser-whole": "parse alone, whole document (before)",
}


# ------------------------------------------------------------------------------------------- the file
def make_export(mb: float) -> Path:
    """The export of about ``mb`` MB (cached by size); a 100-dossier one beside it for the warm-up."""
    import chiso_sample as sample
    from chiso_sample.dossier_json import write_dossier_json

    folder = CACHE / f"{mb:g}mb"
    path = folder / "hoso_04_2025-07.json"
    if path.exists() and (folder / "small" / "hoso_04_2025-06.json").exists():
        return path
    shutil.rmtree(folder, ignore_errors=True)
    scale = int(mb * 1e6 / BYTES_PER_ITEM / ROWS_PER_SCALE)
    for _attempt in range(3):
        shutil.rmtree(folder / "sample", ignore_errors=True)
        sample.generate(folder / "sample", seed=11, provinces=1, start="2025-07", end="2025-07",
                        dossiers_per_month=scale, documents_per_month=5)
        csv_file = next((folder / "sample" / "motcua").rglob("hoso_*_2025-07.csv"))
        n = write_dossier_json(csv_file, path)
        size = path.stat().st_size
        print(f"  wrote {path.name}: {n:,} dossiers, {size / 1e6:.1f} MB", flush=True)
        if abs(size / (mb * 1e6) - 1) < 0.05:
            break
        scale = int(scale * mb * 1e6 / size)
    small_csv = folder / "small.csv"
    with open(csv_file, encoding="utf-8-sig") as src, open(small_csv, "w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i > 100:
                break
            dst.write(line)
    write_dossier_json(small_csv, folder / "small" / "hoso_04_2025-06.json")
    shutil.rmtree(folder / "sample")
    small_csv.unlink()
    return path


# ------------------------------------------------------------------------------------------- before
def detect_whole(path: Path) -> str | None:
    """Format detection of a .json export as it was before (4d5bf00): the document read whole by json.loads
    (``chiso.sources.detect`` keeps that reading for the files a stream cannot read)."""
    from chiso.sources.detect import _json_format_whole

    return _json_format_whole(path)


def parse_whole(path: Path, out_dir: Path):
    """``parse_dossier_json`` as it was before (4d5bf00): the document loaded, a list of row dicts, one table
    (``chiso.sources.motcua.dossier`` keeps that reading for the files a stream cannot read)."""
    from chiso.sources.motcua import dossier

    return dossier._parse_json_whole(path, out_dir=out_dir)


# ------------------------------------------------------------------------------------------- child
def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1 << 20)


def _hwm_mb() -> float:
    """The kernel's peak resident set of this process image (VmHWM: not inherited from the parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(mode: str, path: Path, small: Path, out_dir: Path) -> None:
    from chiso import sources
    from chiso.sources import limits
    from chiso.sources.motcua import dossier

    def run(p: Path, out: Path):
        out.mkdir(parents=True, exist_ok=True)
        if mode == "step-streamed":
            return sources.parse(p, out_dir=out)
        if mode == "step-whole":
            limits.check(p)
            assert detect_whole(p) == "motcua-dossier-json"
            return parse_whole(p, out)
        if mode == "parser-streamed":
            return dossier.parse_dossier_json(p, out_dir=out)
        return parse_whole(p, out)

    run(small, out_dir / "warm-up")  # imports, DuckDB and Arrow initialised, SQL built once
    baseline = _rss_mb()
    started = time.perf_counter()
    batch = run(path, out_dir)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    table = batch.tables[dossier.DATASET]
    print(json.dumps({"mode": mode, "seconds": round(seconds, 3), "peak_mb": round(peak, 1),
                      "hwm_mb": round(_hwm_mb(), 1), "baseline_mb": round(baseline, 1), "rows_read": batch.rows_read,
                      "rows_loaded": table.num_rows, "rejects": len(batch.rejects), "parquet": str(table.path)}))


# ------------------------------------------------------------------------------------------- parent
def _output(cmd: list[str], env: dict) -> str:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd[2:4])} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def measure(mode: str, path: Path, run_dir: Path) -> dict:
    out_dir = run_dir / mode
    shutil.rmtree(out_dir, ignore_errors=True)
    small = path.parent / "small" / "hoso_04_2025-06.json"
    env = M.child_env(CHISO_PII_KEY="bench-json-memory-key", CHISO_DATA_DIR=str(run_dir / "data"))
    out = _output([M.python(), __file__, "--child", mode, str(path), str(small), str(out_dir)], env)
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=85.0, help="size of the export, MB (default 85)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="keep the run's output folder")
    ap.add_argument("--child", nargs=4, metavar=("MODE", "FILE", "SMALL", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--make", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        mode, path, small, out = args.child
        child(mode, Path(path), Path(small), Path(out))
        return
    if args.make:
        print(make_export(args.mb))
        return

    load = os.getloadavg()
    made = _output([M.python(), __file__, "--make", "--mb", str(args.mb)], M.child_env())
    print(made.rstrip())
    path = Path(made.strip().splitlines()[-1])
    size = path.stat().st_size
    run_dir = CACHE / "run"
    runs: dict[str, list[dict]] = {m: [] for m in MODES}
    for i in range(args.repeat):
        for mode in MODES:  # alternating: the machine's load falls on both sides
            r = measure(mode, path, run_dir)
            runs[mode].append(r)
            print(f"  run {i + 1} {mode:16s} {r['seconds']:6.2f} s  peak {r['peak_mb']:6.0f} MB "
                  f"(VmHWM {r['hwm_mb']:.0f}; after imports and warm-up {r['baseline_mb']:.0f} MB)", flush=True)
    parent_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # below every child's: not inherited
    import pyarrow.parquet as pq

    machine = M.machine()
    machine["load_average_at_start"] = load
    # both sides wrote the same table
    last = {m: pq.read_table(runs[m][-1]["parquet"]) for m in MODES}
    same = all(last[m].equals(last["step-whole"]) for m in MODES)
    rows = {m: (runs[m][-1]["rows_read"], runs[m][-1]["rows_loaded"], runs[m][-1]["rejects"]) for m in MODES}
    summary = {
        m: {
            "label": MODES[m],
            "seconds_median": round(M.median([r["seconds"] for r in runs[m]]), 2),
            "peak_mb_max": max(r["peak_mb"] for r in runs[m]),
            "peak_mb_median": round(M.median([r["peak_mb"] for r in runs[m]]), 1),
            "hwm_mb_max": max(r["hwm_mb"] for r in runs[m]),
            "baseline_mb_median": round(M.median([r["baseline_mb"] for r in runs[m]]), 1),
        }
        for m in MODES
    }
    result = {
        "file": {"name": path.name, "bytes": size, "mb": round(size / 1e6, 1), "dossiers": rows["step-whole"][0]},
        "machine": machine,
        "repeat": args.repeat,
        "parent_peak_mb": round(parent_peak, 1),
        "same_table": same,
        "rows": rows,
        "summary": summary,
        "runs": runs,
        "measured_at": time.strftime("%Y-%m-%d %H:%M"),
    }
    M.dump(RESULTS / "json_memory.json", result)
    print(f"\n{path.name}: {size / 1e6:.1f} MB, {rows['step-whole'][0]:,} dossiers; {machine['cores']} cores, "
          f"load {machine['load_average_at_start']}; medians of {args.repeat} (peak: the largest)\n")
    print("| | time | peak RSS | of which imports + warm-up |")
    print("|---|---:|---:|---:|")
    for m in MODES:
        s = summary[m]
        print(f"| {s['label']} | {s['seconds_median']:.2f} s | {s['peak_mb_max']:.0f} MB | "
              f"{s['baseline_mb_median']:.0f} MB |")
    print(f"\nsame table on both sides: {same}")
    if not args.keep:
        shutil.rmtree(run_dir, ignore_errors=True)
    if not same:
        raise SystemExit("the two sides wrote different tables")


if __name__ == "__main__":
    main()
