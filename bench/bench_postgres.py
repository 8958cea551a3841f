"""chiso on its two warehouses, side by side (issue 12): the same files through the same stages into DuckDB
and into PostgreSQL, and the floor for the Postgres load, a plain ``COPY`` of the same dossier rows.

    .venv/bin/python bench/bench_postgres.py [--scale province|tiny] [--pg postgresql://postgres@127.0.0.1:5432]

Data: the benchmark harness's generated exports for the scale (cached under ``bench/.cache``, see
``bench/harness.py``). Each stage runs in its own child process, measured the harness's way (wall time, peak
RSS of the process tree): land + parse, validate and load, each for the dossier CSVs ("dossier") and for the
other exports ("other"), then ``dbt build`` from scratch, first with the DuckDB warehouse, then with a fresh
Postgres database. The plain COPY streams the same dossier CSV files, byte for byte, into a table of text
columns with ``COPY … FROM STDIN (FORMAT csv, HEADER)``: no parsing, typing, checks, hashing or accounting,
so what the Postgres load costs beyond the server's own ingest shows as ``load / plain COPY``. Peak memory
is chiso's process tree; the PostgreSQL server's own memory is not in it.

Results: ``bench/results/postgres-<scale>.json`` and a Markdown table printed (and written beside it).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _measure as M  # noqa: E402
import harness  # noqa: E402

STAGES = [("land_parse", "dossier"), ("land_parse", "other"), ("validate", "dossier"), ("validate", "other"),
          ("load", "dossier"), ("load", "other"), ("build", "all")]


def plain_copy_child(url: str, files_json: str) -> None:
    """COPY every file into one table of text columns (the header's names), as a DBA would."""
    import csv

    import psycopg

    files = json.loads(files_json)
    with open(files[0], encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh))
    cols = ", ".join(f'"{c}" text' for c in header)
    with psycopg.connect(url, autocommit=False) as con:
        con.execute(f"CREATE TABLE plain_copy ({cols})")
        for f in files:
            with (con.cursor() as cur, cur.copy("COPY plain_copy FROM STDIN (FORMAT csv, HEADER true)") as cp,
                  open(f, "rb") as fh):
                if fh.read(3) != b"\xef\xbb\xbf":  # the exports' byte-order mark is not data
                    fh.seek(0)
                while chunk := fh.read(1 << 20):
                    cp.write(chunk)
        con.commit()
        rows = con.execute("SELECT count(*) FROM plain_copy").fetchone()[0]
    print(json.dumps({"rows": rows}))


def _database(server: str, name: str, drop: bool = False) -> str:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop:
            admin.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def run(scale: str, server: str, out: Path, cache: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    log = out / f"postgres-{scale}.log"
    log.write_text("")
    gen, info = harness.ensure_data(scale, cache, log)
    last = info["params"]["end"]
    tag = uuid.uuid4().hex[:8]
    root = cache / "runs" / f"postgres-{scale}-{os.getpid()}"
    results: dict = {"scale": scale, "machine": M.machine(), "data": info, "stages": {}, "date": time.strftime("%Y-%m-%d")}
    try:
        for target in ("duckdb", "postgres"):
            shutil.rmtree(root / target, ignore_errors=True)
            data, state = root / target / "data", root / target / "state"
            state.mkdir(parents=True)
            harness.stage_incoming(gen, data / "incoming", last)
            env = M.child_env(CHISO_DATA_DIR=str(data), CHISO_PII_KEY=harness.PII_KEY,
                              DBT_TARGET_PATH=str(root / target / "dbt" / "target"),
                              DBT_LOG_PATH=str(root / target / "dbt" / "logs"))
            env.pop("CHISO_WAREHOUSE", None)
            if target == "postgres":
                env["CHISO_WAREHOUSE"] = _database(server, f"chiso_bench_pg_{tag}")
            for stage, group in STAGES:
                r = M.run([M.python(), str(HERE / "harness.py"), "_ours", stage, group, str(state)], env=env,
                          log_path=log)
                results["stages"].setdefault(target, {})[f"{stage}:{group}"] = r
                print(f"[{scale}] {target:8s} {stage:10s} {group:8s} {r['status']:6s} {r['seconds']:8.2f} s  "
                      f"peak {M.gib(r['peak_rss_bytes'])}", flush=True)
                if r["status"] != "ok":
                    raise RuntimeError(f"{target} {stage} {group}: {r}; see {log}")
            summary = harness.ours_summary(state, "load", "dossier")
            results.setdefault("loaded", {})[target] = summary
        files = sorted(str(f) for f in (root / "postgres" / "data" / "incoming").glob("motcua/*/hoso_*.csv"))
        url = _database(server, f"chiso_bench_copy_{tag}")
        r = M.run([M.python(), __file__, "_plain_copy", url, json.dumps(files)], env=M.child_env(), log_path=log)
        results["stages"]["plain_copy"] = {"copy:dossier": r}
        print(f"[{scale}] plain COPY of the {len(files)} dossier CSVs {r['status']} {r['seconds']:.2f} s  "
              f"peak {M.gib(r['peak_rss_bytes'])}", flush=True)
    finally:
        for name in (f"chiso_bench_pg_{tag}", f"chiso_bench_copy_{tag}"):
            _database(server, name, drop=True)
        shutil.rmtree(root, ignore_errors=True)
    d, p = results["stages"]["duckdb"], results["stages"]["postgres"]
    copy = results["stages"]["plain_copy"]["copy:dossier"]["seconds"]
    results["ratios"] = {
        "postgres_load_over_plain_copy": round(p["load:dossier"]["seconds"] / copy, 2),
        "postgres_over_duckdb": {k: round(p[k]["seconds"] / d[k]["seconds"], 2) for k in d},
    }
    M.dump(out / f"postgres-{scale}.json", results)
    md = table(results)
    (out / f"postgres-{scale}.md").write_text(md, encoding="utf-8")
    print(md)
    return results


def table(res: dict) -> str:
    d, p = res["stages"]["duckdb"], res["stages"]["postgres"]
    lines = [f"chiso on DuckDB and on PostgreSQL, scale {res['scale']} ({res['date']}, "
             f"{res['machine'].get('cores', '?')} cores): seconds (peak memory)", "",
             "| stage | files | DuckDB | PostgreSQL | PostgreSQL / DuckDB |", "|---|---|---:|---:|---:|"]
    for k in d:
        stage, group = k.split(":")
        lines.append(f"| {stage} | {group} | {d[k]['seconds']:.1f} s ({M.gib(d[k]['peak_rss_bytes'])}) | "
                     f"{p[k]['seconds']:.1f} s ({M.gib(p[k]['peak_rss_bytes'])}) | "
                     f"{res['ratios']['postgres_over_duckdb'][k]}× |")
    c = res["stages"]["plain_copy"]["copy:dossier"]
    lines += ["", f"Plain `COPY` of the same dossier CSVs into text columns: {c['seconds']:.1f} s "
              f"({M.gib(c['peak_rss_bytes'])}); chiso's Postgres load of them: "
              f"{res['ratios']['postgres_load_over_plain_copy']}× that."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_plain_copy":
        plain_copy_child(argv[1], argv[2])
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", default="province", choices=["tiny", "province"])
    ap.add_argument("--pg", default=os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432"),
                    help="the PostgreSQL server (a database of its own is created and dropped)")
    ap.add_argument("--out", default=str(HERE / "results"))
    ap.add_argument("--cache", default=str(HERE / ".cache"))
    a = ap.parse_args(argv)
    run(a.scale, a.pg.rstrip("/"), Path(a.out), Path(a.cache))
    return 0


if __name__ == "__main__":
    sys.exit(main())
