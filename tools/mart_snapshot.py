"""Snapshot every mart of a warehouse, and compare two snapshots row for row.

    python tools/mart_snapshot.py snapshot data/warehouse.duckdb OUT_DIR
    python tools/mart_snapshot.py compare BEFORE_DIR AFTER_DIR [--json RESULT.json]

A snapshot is one Parquet file per relation of the ``marts`` schema plus ``summary.json`` (rows, columns and
an order-independent fingerprint of each relation). Columns that record when or where a build ran (load and
build times, landed paths) are left out of the fingerprint and the comparison: they differ between any two runs.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import duckdb

VOLATILE = re.compile(r"(^|_)(loaded_at|built_at|refreshed_through|landed_path|received_at|validated_at)$")


def _stable_columns(con, relation: str) -> list[str]:
    cols = [r[0] for r in con.execute(f"DESCRIBE {relation}").fetchall()]
    return [c for c in cols if not VOLATILE.search(c)]


def snapshot(warehouse: Path, out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    names = [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
    summary = {}
    for name in names:
        rel = f'marts."{name}"'
        cols = _stable_columns(con, rel)
        select = ", ".join(f'"{c}"' for c in cols)
        con.execute(f"COPY (SELECT {select} FROM {rel}) TO '{out / (name + '.parquet')}' (FORMAT parquet)")
        rows, fp = con.execute(
            f"SELECT count(*), coalesce(sum(hash(row({select}))::hugeint), 0)::varchar FROM {rel}"
        ).fetchone()
        summary[name] = {"rows": rows, "columns": cols, "fingerprint": fp}
    (out / "summary.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False), encoding="utf-8")
    return summary


def compare(before: Path, after: Path) -> dict:
    a = json.loads((before / "summary.json").read_text(encoding="utf-8"))
    b = json.loads((after / "summary.json").read_text(encoding="utf-8"))
    con = duckdb.connect()
    result = {}
    for name in sorted(set(a) | set(b)):
        if name not in a or name not in b:
            result[name] = {"status": "only before" if name in a else "only after"}
            continue
        common = [c for c in a[name]["columns"] if c in b[name]["columns"]]
        sel = ", ".join(f'"{c}"' for c in common)
        pa_, pb = before / f"{name}.parquet", after / f"{name}.parquet"
        only_a = con.execute(f"SELECT count(*) FROM (SELECT {sel} FROM '{pa_}' EXCEPT ALL SELECT {sel} FROM '{pb}')").fetchone()[0]
        only_b = con.execute(f"SELECT count(*) FROM (SELECT {sel} FROM '{pb}' EXCEPT ALL SELECT {sel} FROM '{pa_}')").fetchone()[0]
        result[name] = {
            "status": "identical" if only_a == only_b == 0 else "different",
            "rows_before": a[name]["rows"], "rows_after": b[name]["rows"],
            "rows_only_before": only_a, "rows_only_after": only_b,
            "columns_removed": [c for c in a[name]["columns"] if c not in common],
            "columns_added": [c for c in b[name]["columns"] if c not in a[name]["columns"]],
        }
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("snapshot")
    s.add_argument("warehouse", type=Path)
    s.add_argument("out", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    c.add_argument("--json", type=Path)
    args = p.parse_args(argv)
    if args.cmd == "snapshot":
        summary = snapshot(args.warehouse, args.out)
        for name, s_ in summary.items():
            print(f"{name:40s} {s_['rows']:>9} rows")
        return 0
    result = compare(args.before, args.after)
    for name, r in result.items():
        extra = "" if r["status"] != "different" else (
            f"  before {r['rows_before']} / after {r['rows_after']}; only before {r['rows_only_before']}, "
            f"only after {r['rows_only_after']}")
        print(f"{name:40s} {r['status']}{extra}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    return 0 if all(r["status"] == "identical" for r in result.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
