"""The ``chiso`` command line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from chiso import paths


def _cmd_sample(args: argparse.Namespace) -> int:
    from chiso import sample

    out = Path(args.out) if args.out else paths.incoming_dir()
    if args.if_missing and out.exists() and any(p.is_file() for p in out.rglob("*")):
        print(f"  sample exports already present in {out} — keeping them")
        return 0
    started = time.monotonic()
    summary = sample.generate(
        out,
        seed=args.seed,
        provinces=args.provinces,
        start=args.start,
        end=args.end,
        dossiers_per_month=args.dossiers_per_month,
        documents_per_month=args.documents_per_month,
        progress=(lambda line: print(f"    {line}", flush=True)) if not args.quiet else None,
    )
    print(f"  sample written to {out} in {time.monotonic() - started:.1f}s: {summary}")
    return 0


def _cmd_inspect(args: argparse.Namespace) -> int:
    from chiso import inspection as inspect_mod

    return inspect_mod.main(args.files, as_json=args.json)


def _cmd_run(args: argparse.Namespace) -> int:
    from chiso import orchestrate, report

    steps = 3
    print(f"[1/{steps}] Airflow: initialising metadata", flush=True)
    orchestrate.init(echo=lambda s: print(s, flush=True))
    print(f"[2/{steps}] Airflow: running the DAGs in dependency order", flush=True)
    orchestrate.run_all(echo=lambda s: print(s, flush=True))
    print(f"[3/{steps}] Warehouse {paths.warehouse_path()} built; progress versus target:", flush=True)
    report.print_report(args.period)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from chiso import report

    report.print_report(args.period)
    return 0


def _cmd_data_docs(args: argparse.Namespace) -> int:
    from chiso import validation

    index = validation.build_data_docs(render_all=args.all)
    print(f"Data Docs: {index}")
    return 0


def _cmd_airflow_init(args: argparse.Namespace) -> int:
    from chiso import orchestrate

    orchestrate.init()
    return 0


def _cmd_airflow_env(args: argparse.Namespace) -> int:
    from chiso import orchestrate

    env = orchestrate.airflow_env()
    for key in sorted(k for k in env if k.startswith(("AIRFLOW", "CHISO", "PYTHONPATH", "GX_")) or k == "PATH"):
        print(f"export {key}={json.dumps(env[key])}")
    return 0


def _cmd_build(args) -> int:
    from chiso import dbt_runner

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    result = dbt_runner.build(target=args.target, full_refresh=args.full_refresh)
    how = f"full refresh ({result['full_refresh_reason']})" if result["full_refresh"] else "incremental"
    print(f"dbt build on {result['target']}: {how}, {result['seconds']} s, {result['summary']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="chiso", description="chiso — provincial reform and digital-transformation indicators")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("sample", help="generate realistic sample exports of the three source systems")
    s.add_argument("--out", help="output folder (default: data/incoming)")
    s.add_argument("--seed", type=int, default=20230101)
    s.add_argument(
        "--provinces",
        type=int,
        default=4,
        help="how many new provinces with their predecessors (1-4: the seed provinces; 34: the whole country)",
    )
    s.add_argument(
        "--national", dest="provinces", action="store_const", const=34, help="all 34 provinces (= --provinces 34)"
    )
    s.add_argument("--start", default="2023-01", help="first month YYYY-MM")
    s.add_argument("--end", default=None, help="last month YYYY-MM (default: last full month)")
    s.add_argument("--dossiers-per-month", type=int, default=1000)
    s.add_argument("--documents-per-month", type=int, default=300)
    s.add_argument("--if-missing", action="store_true", help="do nothing if the folder already has files")
    s.add_argument("--quiet", action="store_true")
    s.set_defaults(func=_cmd_sample)

    i = sub.add_parser("inspect", help="tell whether chiso understands export files (writes nothing)")
    i.add_argument("files", nargs="+")
    i.add_argument("--json", action="store_true", help="one JSON document per file")
    i.set_defaults(func=_cmd_inspect)

    r = sub.add_parser("run", help="run every DAG through Airflow and print the progress table")
    r.add_argument("--period", default="year", choices=["year", "quarter", "month"])
    r.set_defaults(func=_cmd_run)

    rp = sub.add_parser("report", help="print the progress-versus-target table from the warehouse")
    rp.add_argument("--period", default="year", choices=["year", "quarter", "month"])
    rp.set_defaults(func=_cmd_report)

    b = sub.add_parser("build", help="dbt build the warehouse (incremental; a full refresh when the project changed)")
    b.add_argument("--full-refresh", action="store_true", default=None, help="rebuild every model from the raw layer")
    b.add_argument("--target", default="duckdb", choices=["duckdb", "postgres"])
    b.set_defaults(func=_cmd_build)

    dd = sub.add_parser("data-docs", help="build the Great Expectations Data Docs (data/dq/data_docs)")
    dd.add_argument("--all", action="store_true", help="render a page for every validation, not only failures")
    dd.set_defaults(func=_cmd_data_docs)

    sub.add_parser("airflow-init", help="create Airflow's metadata and pools").set_defaults(func=_cmd_airflow_init)
    sub.add_parser("airflow-env", help="print the environment for running airflow by hand").set_defaults(
        func=_cmd_airflow_env)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (RuntimeError, FileNotFoundError) as exc:
        print(f"chiso: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
