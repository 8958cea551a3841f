"""The cost of a small file (issue 16): the default sample (``make run``'s: about 2,800 files, 1,668 of them
small 766 responses) through land, parse, validate and load, source by source, in one process per run without
Airflow — what each file costs chiso itself, from landing to the raw layer.

    .venv/bin/python bench/bench_small_files.py [--repeat 3] [--before REV] [--out bench/results]

``--before REV`` measures the committed code of REV (its ``plugins/``, ``expectations/`` and ``dbt_project/``
from ``git archive``) beside the working tree, alternating, on the same files: the before-and-after ratio of
one sitting. Each run is a child process with its own data folder (the sample is generated once, cached under
``bench/.cache/small-files-<end month>/``). Results: ``results/small_files.json``; medians in ms per file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import REPO, machine  # noqa: E402

SOURCES = ("motcua", "qlvb", "dvc", "plans")
STAGES = ("land", "parse", "validate", "load")
# the portal's files measured in two groups: its 766 responses (one small JSON file per unit and month: the
# small files whose fixed cost the goal is about) and the rest (service catalogues of ~750 rows, manifests)
GROUPS = ("motcua", "qlvb", "dvc: 766 responses", "dvc: catalogues", "plans")


def _groups(source: str, batches: list) -> list[tuple[str, list]]:
    if source != "dvc":
        return [(source, batches)]
    small = [b for b in batches if b.landed.relative_name.endswith(".json")]
    rest = [b for b in batches if not b.landed.relative_name.endswith(".json")]
    return [("dvc: 766 responses", small), ("dvc: catalogues", rest)]


def child(code_root: Path, data_dir: Path) -> dict:
    """One run, in this process: every source's four stages on a fresh data folder (``--child``)."""
    os.environ["CHISO_DATA_DIR"] = str(data_dir)
    sys.path.insert(0, str(code_root / "plugins"))
    from chiso.ingest import load, parse
    from chiso.quality import gate

    out = {}
    for source in SOURCES:
        t = time.perf_counter()
        landed = load.to_load(source)
        land = time.perf_counter() - t
        for group, batches in _groups(source, landed):
            # landing is timed once a source: each group's share by its number of files
            times = {"land": land * len(batches) / len(landed)}
            for stage, step in (("parse", parse.parse), ("validate", gate.validate), ("load", load.load)):
                t = time.perf_counter()
                batches = step(batches)
                times[stage] = time.perf_counter() - t
            loaded = sum(1 for b in batches if b.status == "loaded")
            out[group] = {"files": len(batches), "loaded": loaded, "seconds": times}
    return out


def sample_folder(cache: Path) -> Path:
    """The default sample's exports (as ``make run`` writes them), generated once per last full month."""
    month = time.strftime("%Y-%m")
    folder = cache / f"small-files-{month}" / "incoming"
    if not (folder.exists() and any(folder.rglob("*.json"))):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        subprocess.run([str(REPO / ".venv" / "bin" / "chiso"), "sample", "--out", str(folder), "--quiet"],
                       check=True)
    return folder


def code_of(rev: str, into: Path) -> Path:
    """The committed ``plugins/``, ``expectations/`` and ``dbt_project/`` of ``rev``."""
    archive = into / "code.tar"
    subprocess.run(["git", "-C", str(REPO), "archive", "-o", str(archive), rev, "plugins", "expectations",
                    "dbt_project"], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "code", filter="data")
    return into / "code"


def one_run(code_root: Path, incoming: Path, work: Path) -> dict:
    data = work / "data"
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(incoming, data / "incoming")
    proc = subprocess.run([sys.executable, __file__, "--child", str(code_root), str(data)],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": ""})
    if proc.returncode != 0:
        raise RuntimeError(f"run on {code_root} failed:\n{proc.stderr[-4000:]}")
    shutil.rmtree(data, ignore_errors=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def summarise(runs: list[dict]) -> dict:
    out = {}
    for source in GROUPS:
        files = runs[0][source]["files"]
        med = {s: statistics.median(r[source]["seconds"][s] for r in runs) for s in STAGES}
        out[source] = {"files": files, "loaded": runs[0][source]["loaded"],
                       "seconds": {s: round(v, 2) for s, v in med.items()},
                       "ms_per_file": {s: round(1000 * v / files, 1) for s, v in med.items()},
                       "ms_per_file_total": round(1000 * sum(med.values()) / files, 1)}
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--child", nargs=2, metavar=("CODE_ROOT", "DATA_DIR"), help=argparse.SUPPRESS)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--before", help="a git revision measured beside the working tree")
    ap.add_argument("--out", default=str(REPO / "bench" / "results"))
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(Path(args.child[0]), Path(args.child[1]))))
        return 0
    cache = REPO / "bench" / ".cache"
    incoming = sample_folder(cache)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        sides = {"after": REPO}
        if args.before:
            sides = {"before": code_of(args.before, Path(tmp)), "after": REPO}
        runs: dict[str, list[dict]] = {name: [] for name in sides}
        for i in range(args.repeat):  # alternating: both sides see the same machine
            for name, root in sides.items():
                runs[name].append(one_run(root, incoming, Path(tmp) / name))
                print(f"run {i + 1} {name}: " + ", ".join(
                    f"{s} {sum(runs[name][-1][s]['seconds'].values()):.1f}s" for s in GROUPS), flush=True)
    result = {"measured_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "machine": machine(), "repeat": args.repeat,
              "before": args.before, "sides": {name: summarise(r) for name, r in runs.items()}}
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "small_files.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    print("\n| files of | files | side | land | parse | validate | load | ms a file |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for source in GROUPS:
        for name, s in result["sides"].items():
            src = s[source]
            cells = " | ".join(f"{src['seconds'][st]:.1f} s" for st in STAGES)
            print(f"| {source} | {src['files']} | {name} | {cells} | {src['ms_per_file_total']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
