"""``chiso sample``: registered in the product's command line through the ``chiso.commands`` entry-point group
(tools/sample/pyproject.toml). Imports nothing heavy until the command runs."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path


def register(subparsers) -> argparse.ArgumentParser:
    """Add the ``sample`` command to the ``chiso`` parser's subcommands."""
    s = subparsers.add_parser("sample", help="generate realistic sample exports of the three source systems")
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
    s.add_argument("--workers", type=int, default=None,
                   help="units generated at a time, each in a child process (default: the machine's cores)")
    s.add_argument("--if-missing", action="store_true", help="do nothing if the folder already has files")
    s.add_argument("--quiet", action="store_true")
    s.set_defaults(func=run)
    return s


def run(args: argparse.Namespace) -> int:
    from chiso import settings

    from chiso_sample import generate

    out = Path(args.out) if args.out else settings.incoming_dir()
    if args.if_missing and out.exists() and any(p.is_file() for p in out.rglob("*")):
        print(f"  sample exports already present in {out} — keeping them")
        return 0
    started = time.monotonic()
    summary = generate(
        out,
        seed=args.seed,
        provinces=args.provinces,
        start=args.start,
        end=args.end,
        dossiers_per_month=args.dossiers_per_month,
        documents_per_month=args.documents_per_month,
        progress=(lambda line: print(f"    {line}", flush=True)) if not args.quiet else None,
        workers=args.workers or os.cpu_count() or 1,
    )
    print(f"  sample written to {out} in {time.monotonic() - started:.1f}s: {summary}")
    return 0
