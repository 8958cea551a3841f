"""One ingestion run of every source, in-process, as the DAG's tasks run it (land → parse → validate → load),
printing ``STAGE <name> <seconds since start>`` as each stage begins: the fault-injection suite starts this as a
child process and kills it with SIGKILL at a chosen moment of a chosen stage."""

from __future__ import annotations

import sys
import time

from chiso.orchestration import tasks

T0 = time.monotonic()


def stage(name: str) -> None:
    print(f"STAGE {name} {time.monotonic() - T0:.3f}", flush=True)


def main() -> int:
    for source in ("motcua", "qlvb", "dvc"):
        stage("land")
        chunks = tasks.land_new_files(source)
        for chunk in chunks:
            stage("parse")
            parsed = tasks.parse(chunk)
            stage("validate")
            validated = tasks.validate(parsed)
            stage("load")
            tasks.load(validated)
    stage("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
