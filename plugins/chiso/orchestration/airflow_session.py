"""One Airflow process for many Airflow commands: ``python -m chiso.orchestration.airflow_session``.

``chiso run`` drives Airflow with its command line (``airflow db migrate``, ``airflow dags test DAG``, …). Each
``airflow`` command is a new process that imports Airflow, its providers and chiso again (about 5 s on two
cores). This process imports them once and runs the commands it reads on standard input, one per line as a
JSON list of the command's arguments (``["dags", "test", "ingest_dvc"]``), one after another, through
Airflow's own command-line parser and functions: the same code path as the ``airflow`` command. After each
command it prints ``chiso-airflow-session: end <exit code>`` on a line of its own; it ends when its input ends.
"""

from __future__ import annotations

import json
import sys
import traceback

END = "chiso-airflow-session: end"


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    return exc.code if isinstance(exc.code, int) else 1


def main() -> int:
    from airflow.cli.cli_parser import get_parser
    from airflow.configuration import write_default_airflow_configuration_if_needed

    write_default_airflow_configuration_if_needed()  # as the `airflow` command does before any command
    parser = get_parser()
    for line in sys.stdin:
        if not line.strip():
            continue
        code = 0
        try:
            args = parser.parse_args(json.loads(line))
            args.func(args)
        except SystemExit as exc:  # a command reports failure the way the CLI does (dags test: "DagRun failed")
            code = _exit_code(exc)
            if code:
                print(f"command {line.strip()} exited {exc.code}", file=sys.stderr, flush=True)
        except Exception:  # noqa: BLE001 - reported on the output; the next command still runs
            traceback.print_exc()
            code = 1
        sys.stderr.flush()
        print(f"{END} {code}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
