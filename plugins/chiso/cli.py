"""The ``chiso`` command line.

Other installed packages add commands through the entry-point group ``chiso.commands``: each entry point is a
function ``register(subparsers)`` that adds its subcommand (the development environment's sample generator,
tools/sample, adds ``chiso sample``). chiso itself never imports them by name.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from importlib.metadata import entry_points

from chiso import settings

COMMANDS_GROUP = "chiso.commands"


def _cmd_inspect(args: argparse.Namespace) -> int:
    from chiso.sources import inspect as inspect_mod

    return inspect_mod.main(args.files, as_json=args.json)


def _cmd_run(args: argparse.Namespace) -> int:
    from chiso.orchestration import airflow_runner
    from chiso.people import report

    if args.stack:
        from chiso.orchestration import stack

        print("[1/2] The stack (`make stack`): triggering the ingestion DAGs through the REST API", flush=True)
        stack.run(echo=lambda s: print(s, flush=True))
        settings.use_stack_warehouse()  # the report reads the stack's warehouse
        print(f"[2/2] Warehouse {settings.warehouse_label()} built; progress versus target:", flush=True)
        report.print_report(args.period)
        return 0

    steps = 3
    print(f"[1/{steps}] Airflow: initialising metadata", flush=True)
    airflow_runner.init(echo=lambda s: print(s, flush=True))
    print(f"[2/{steps}] Airflow: running the DAGs in dependency order", flush=True)
    airflow_runner.run_all(echo=lambda s: print(s, flush=True))
    print(f"[3/{steps}] Warehouse {settings.warehouse_label()} built; progress versus target:", flush=True)
    report.print_report(args.period)
    return 0


def _cmd_stack(args: argparse.Namespace) -> int:
    from chiso.orchestration import stack

    (stack.up if args.action == "up" else stack.down)(echo=lambda s: print(s, flush=True))
    return 0


def _cmd_warehouse_init(args: argparse.Namespace) -> int:
    from chiso.warehouse import backend, schema

    with backend.connect() as wh:
        schema.ensure_raw_schema(wh)
    print(f"warehouse {settings.warehouse_label()}: raw layer ready" + (
        "; role chiso_reader set up" if settings.warehouse_dialect() == "postgres" else ""))
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    if args.html:
        from chiso.people import html_report

        print(f"Báo cáo: {html_report.write(args.html)}")
        return 0
    from chiso.people import report

    report.print_report(args.period)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from chiso.people import serve

    serve.serve(args.host, args.port)
    return 0


def _cmd_data_docs(args: argparse.Namespace) -> int:
    from chiso.quality import data_docs

    index = data_docs.build_data_docs(render_all=args.all)
    print(f"Data Docs: {index}")
    return 0


def _cmd_airflow_init(args: argparse.Namespace) -> int:
    from chiso.orchestration import airflow_runner

    airflow_runner.init()
    return 0


def _cmd_airflow_env(args: argparse.Namespace) -> int:
    from chiso.orchestration import airflow_runner

    env = airflow_runner.airflow_env()
    for key in sorted(k for k in env if k.startswith(("AIRFLOW", "CHISO", "PYTHONPATH", "GX_")) or k == "PATH"):
        print(f"export {key}={json.dumps(env[key])}")
    return 0


def _cmd_build(args) -> int:
    from chiso.warehouse import dbt

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    result = dbt.build(target=args.target, full_refresh=args.full_refresh)
    how = f"full refresh ({result['full_refresh_reason']})" if result["full_refresh"] else "incremental"
    print(f"dbt build on {result['target']}: {how}, {result['seconds']} s, {result['summary']}")
    return 0


def _cmd_settings(args: argparse.Namespace) -> int:
    print(settings.describe())
    return 0


def _cmd_template(args: argparse.Namespace) -> int:
    from chiso.sources.plans.template import write_workbook

    path = write_workbook(args.file, province_code=args.province)
    print(f"wrote {path}: fill the sheets Chỉ tiêu and Số liệu báo cáo, then drop it in data/incoming/plans/")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="chiso", description="chiso — provincial reform and digital-transformation indicators")
    sub = p.add_subparsers(dest="command", required=True)

    i = sub.add_parser("inspect", help="tell whether chiso understands export files (writes nothing)")
    i.add_argument("files", nargs="+")
    i.add_argument("--json", action="store_true", help="one JSON document per file")
    i.set_defaults(func=_cmd_inspect)

    r = sub.add_parser("run", help="run every DAG through Airflow and print the progress table")
    r.add_argument("--period", default="year", choices=["year", "quarter", "month"])
    r.add_argument("--stack", action="store_true", help="on the running stack (`make stack`) through its REST API")
    r.set_defaults(func=_cmd_run)
    st = sub.add_parser("stack", help="start (up) or stop (down) the local production stack")
    st.add_argument("action", choices=["up", "down"])
    st.set_defaults(func=_cmd_stack)
    sub.add_parser("warehouse-init", help="create the raw layer (and on PostgreSQL the read-only role)").set_defaults(
        func=_cmd_warehouse_init)

    rp = sub.add_parser("report", help="print the progress-versus-target table from the warehouse")
    rp.add_argument("--period", default="year", choices=["year", "quarter", "month"])
    rp.add_argument("--html", metavar="DIR", help="write the static Vietnamese HTML report (and XLSX) into DIR")
    rp.set_defaults(func=_cmd_report)

    b = sub.add_parser("build", help="dbt build the warehouse (incremental; a full refresh when the project changed)")
    b.add_argument("--full-refresh", action="store_true", default=None, help="rebuild every model from the raw layer")
    b.add_argument("--target", default=None, choices=["duckdb", "postgres"],
                   help="dbt target (default: the warehouse's, from CHISO_WAREHOUSE)")
    b.set_defaults(func=_cmd_build)

    dd = sub.add_parser("data-docs", help="build the Great Expectations Data Docs (data/dq/data_docs)")
    dd.add_argument("--all", action="store_true", help="render a page for every validation, not only failures")
    dd.set_defaults(func=_cmd_data_docs)

    t = sub.add_parser("template", help="write a blank workbook for a source filled by hand (plans)")
    t.add_argument("source", choices=["plans"])
    t.add_argument("file", help="the workbook to write (.xlsx)")
    t.add_argument("--province", help="list only this province's units (its code, e.g. 04)")
    t.set_defaults(func=_cmd_template)

    sv = sub.add_parser("serve", help="serve the report and the Data Docs over HTTP (nothing else of data/)")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8090)
    sv.set_defaults(func=_cmd_serve)

    sub.add_parser("settings", help="every CHISO_* setting: meaning, default, current value").set_defaults(
        func=_cmd_settings)
    sub.add_parser("airflow-init", help="create Airflow's metadata and pools").set_defaults(func=_cmd_airflow_init)
    sub.add_parser("airflow-env", help="print the environment for running airflow by hand").set_defaults(
        func=_cmd_airflow_env)
    for ep in sorted(entry_points(group=COMMANDS_GROUP), key=lambda e: e.name):
        ep.load()(sub)  # a command another installed package adds (the sample generator adds `sample`)
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
