"""The parse step: a landed file → its raw tables as Parquet under ``data/work/<batch_id>/``.

The file's format is recognised and parsed by ``chiso.sources``; its tables are written as
``<dataset>.parquet`` and the rows the parser rejected as ``rejects.parquet`` (one row per defect: row, column,
expected, found, message). A file that cannot be parsed, or whose rejected share exceeds
``CHISO_MAX_REJECT_SHARE``, comes out ``parse_failed`` with the reason: the load step quarantines it.

Each file is parsed in a child process (forked) whose address space is limited (``CHISO_PARSE_MEMORY_MB``,
``resource.setrlimit``): a parser that runs out of memory, aborts or is killed takes only that file with it.
The file comes out ``parse_failed`` with what happened (out of memory at the limit, or the signal that ended
the parser) and its neighbours are parsed as usual.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from dataclasses import asdict
from pathlib import Path

from chiso import settings
from chiso.ingest.batch import Batch
from chiso.util.jsonable import to_jsonable

log = logging.getLogger(__name__)

ROW_ERRORS_KEPT = 50  # rejected rows carried in the descriptor (the alert and the error report show them)
REJECT_COLUMNS = ("source_row", "column_name", "expected", "found", "message")  # = raw.rejected_row's own


def coverage_scope(dataset: str, table) -> str:
    """What a file covers besides its format and period (part of its supersede key): the agencies of a dossier,
    register or catalogue export, the reporting unit of a Biểu 06, the 766 groups, root units and period types.

    ``table``: an Arrow table, or a ``WrittenTable`` (only the columns needed are read from its Parquet)."""
    import pyarrow.compute as pc

    from chiso.sources import WrittenTable

    if table.num_rows == 0:
        return ""
    if isinstance(table, WrittenTable):
        import pyarrow.parquet as pq

        needed = {
            "motcua_bieu06": ["reporting_unit"],
            "dvc_766_unit": ["is_root", "department_id", "group_code", "period_type"],
        }
        with pq.ParquetFile(table.path) as f:
            names = f.schema_arrow.names
            table = f.read(columns=needed.get(dataset, [c for c in ["agency_code"] if c in names]))
    if dataset == "motcua_bieu06":
        col = table.column("reporting_unit")
        return "|".join(sorted({v for v in col.to_pylist() if v}))
    if dataset == "plan_item":
        # the documents the workbook carries: a corrected copy of the same documents supersedes it, a workbook of
        # other documents (a later plan) stands beside it: the history of targets stays in the raw layer
        docs = zip(table.column("document_number").to_pylist(), table.column("document_date").to_pylist())
        return "|".join(sorted({f"{n}@{d}" for n, d in docs if n}))
    if dataset == "dvc_766_unit":
        # the root unit's departmentId: the code is missing from some endpoints' responses
        is_root = table.column("is_root").to_pylist()
        roots = {d for d, r in zip(table.column("department_id").to_pylist(), is_root) if r and d}
        groups = {v for v in table.column("group_code").to_pylist() if v}
        types = {v for v in table.column("period_type").to_pylist() if v}
        return "|".join(sorted(groups) + sorted(roots) + sorted(types))
    if "agency_code" in table.column_names:
        codes = pc.unique(table.column("agency_code")).to_pylist()
        return "|".join(sorted({str(c).split(".")[0] for c in codes if c}))
    return ""


# the column whose dates say which period a file's rows belong to (datasets without one: the period comes from
# the file's own header or capture, checked by its parser)
PERIOD_COLUMNS = {"motcua_dossier": "received_at", "qlvb_document": "issued_on"}


def period_problem(batch_name: str, dataset: str | None, table_path: str | None, start, end, today=None):
    """Why the file's period cannot be trusted, as a RowError-like dict, or None: a period in the future, rows
    dated after the period the file claims (or after today), or no row at all in that period."""
    from datetime import date

    today = today or date.today()
    if start is None:
        return None
    if start > today:
        return {"row": None, "column": None, "expected": f"a period up to {today:%Y-%m}",
                "found": f"a file for {start:%Y-%m}, in the future",
                "message": "the period in the file's name is in the future"}
    column = PERIOD_COLUMNS.get(dataset or "")
    if not column or not table_path:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    # one file, two columns: read without Arrow's dataset layer and thread pool (this runs in the parse child)
    with pq.ParquetFile(table_path) as f:
        t = f.read(columns=["source_row", column], use_threads=False)
    values = t.column(column)
    if pa.types.is_timestamp(values.type):
        values = pc.cast(values, pa.date32())
    # vectorised: a file holds hundreds of thousands of rows (a loop over them was a quarter of a CSV's parse)
    limit = min(end or start, today)
    late = pc.indices_nonzero(pc.fill_null(pc.greater(values, pa.scalar(limit, pa.date32())), False))
    if len(late):
        i = late[0].as_py()
        d = values[i].as_py()
        what = "after today" if d > today else f"after the period {start:%Y-%m} the file's name claims"
        return {"row": t.column("source_row")[i].as_py(), "column": column,
                "expected": f"a date on or before {limit}", "found": str(d), "message": f"a row dated {what}"}
    inside = pc.sum(pc.greater_equal(values, pa.scalar(start, pa.date32()))).as_py() or 0
    if len(values) and not inside:
        span = pc.min_max(values)
        found = (f"no row in that period (dates {span['min'].as_py()} … {span['max'].as_py()})"
                 if values.null_count < len(values) else "no dates")
        return {"row": None, "column": column, "expected": f"rows dated in {start:%Y-%m} (the file's name)",
                "found": found, "message": "the file's rows are not of the period its name claims"}
    return None


def _write_rejects(rejects: list, path: Path) -> None:
    import pyarrow as pa

    from chiso.sources.tables import write_parquet

    columns = {
        "source_row": pa.array([e.row for e in rejects], pa.int32()),
        "column_name": pa.array([e.column for e in rejects], pa.string()),
        "expected": pa.array([e.expected for e in rejects], pa.string()),
        "found": pa.array([e.found for e in rejects], pa.string()),
        "message": pa.array([e.message for e in rejects], pa.string()),
    }
    write_parquet(pa.table(columns), path)


def parse_batch(batch: Batch) -> Batch:
    """Parse one landed file into Parquet tables under the work folder: in a memory-limited child process
    (``CHISO_PARSE_MEMORY_MB``; 0: in this process)."""
    limit = settings.parse_memory_bytes()
    return _parse_in_child(batch, limit) if _needs_child(batch, limit) else _parse_here(batch)


def _needs_child(batch: Batch, limit: int) -> bool:
    return limit > 0 and _risky(Path(batch.landed.landed_path))


# A child per file costs about a second of start-up, so only the files whose content can crash or balloon their
# reader go there: workbooks (a zip of XML whose declared dimension the reader trusts) and large JSON documents
# (read whole). CSVs and small JSON are streamed by DuckDB within its memory limit, in this process; the limits
# of sources.limits (size, line length, depth) are checked for every file before any reader opens it.
RISKY_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
RISKY_JSON_BYTES = 4 << 20


@contextlib.contextmanager
def _main_module_hidden():
    """Start a child without it importing this process's main script: multiprocessing re-runs the parent's
    ``__main__`` file in every child (under Airflow, the ``airflow`` command: about a second of imports per
    file). The child's target lives in this module, so it needs nothing from ``__main__``."""
    main = sys.modules.get("__main__")
    saved = main.__dict__.pop("__file__", None) if main is not None and main.__spec__ is None else None
    try:
        yield
    finally:
        if saved is not None:
            main.__file__ = saved


def _forget_the_parents_fork_server() -> None:
    """In a process forked from one that ran the fork server (a Celery pool process, Airflow's task runner),
    the server is the parent's, not a child of this one: multiprocessing would wait on it and fail ("No child
    processes"). The copy forgets it (and closes its copy of the server's keep-alive pipe, so the server ends
    with its owner); the first parse here starts a server of its own."""
    from multiprocessing import forkserver

    server = forkserver._forkserver
    if server._forkserver_pid is None:
        return
    if server._forkserver_alive_fd is not None:
        with contextlib.suppress(OSError):
            os.close(server._forkserver_alive_fd)
    server._forkserver_pid = server._forkserver_address = server._forkserver_alive_fd = None
    server._lock = threading.Lock()  # another thread may have held it when the fork was taken


os.register_at_fork(after_in_child=_forget_the_parents_fork_server)


@contextlib.contextmanager
def _children_allowed():
    """Let a Celery worker's pool process start the parse child. Celery's pool (billiard) runs each task in a
    daemonic process and stands in for multiprocessing's current process: multiprocessing then refuses the
    child ("daemonic processes are not allowed to have children", so that none is orphaned when the daemon
    exits) and cannot hand billiard's authentication key to the fork server ("Pickling an
    AuthenticationString object is disallowed"). The parse child is always joined before the task goes on, so
    for its creation and start the flag is lifted and the key given in multiprocessing's own type."""
    from multiprocessing import current_process, process

    config = current_process()._config
    saved = dict(config)
    config.pop("daemon", None)
    if "authkey" in config and not isinstance(config["authkey"], process.AuthenticationString):
        config["authkey"] = process.AuthenticationString(bytes(config["authkey"]))
    try:
        yield
    finally:
        config.clear()
        config.update(saved)


def _risky(path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix in RISKY_SUFFIXES:
        return True
    try:
        return suffix == ".json" and path.stat().st_size >= RISKY_JSON_BYTES
    except OSError:
        return False


_STARTING = threading.Lock()


def _parse_in_child(batch: Batch, limit: int) -> Batch:
    import json
    import multiprocessing

    # forkserver, not fork: this process may run threads (DuckDB's, pyarrow's, Airflow's), and a child forked
    # while one of them holds a lock waits for it for ever. The fork server is a fresh single-threaded
    # interpreter that imports the parsers once (PARSER_MODULES); each file's child is forked from it.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PARSER_MODULES)
    reader, writer = ctx.Pipe(duplex=False)
    # the fork server keeps the environment it started with: the child gets this process's (settings are read
    # from it when they are used)
    with _STARTING, _main_module_hidden(), _children_allowed():  # one start at a time: both swap globals
        proc = ctx.Process(
            target=_child, args=(batch, limit, writer, dict(os.environ)), name=f"chiso-parse-{batch.batch_id[:8]}"
        )
        proc.start()
    writer.close()
    result = None
    try:
        result = reader.recv()
    except EOFError:
        pass
    finally:
        reader.close()
        proc.join()
    name = batch.file_name
    if isinstance(result, str):
        out = Batch.from_json(json.loads(result))
        if out.status == "parse_failed" and out.error and "MemoryError" in out.error:
            return _out_of_memory(batch, limit)
        return out
    code = proc.exitcode
    if code is not None and code < 0:
        sig = signal.Signals(-code).name
        why = {
            "SIGABRT": "the parser aborted (SIGABRT): typically an allocation it could not make",
            "SIGKILL": "the parser was killed (SIGKILL): out of memory or stopped by the system",
            "SIGSEGV": "the parser crashed (SIGSEGV)",
        }.get(sig, f"the parser was ended by {sig}")
    else:
        why = f"the parser process exited with status {code} without a result"
    if code in (-signal.SIGABRT, -signal.SIGKILL):
        return _out_of_memory(batch, limit, why)
    log.warning("parse of %s failed: %s", name, why)
    return batch.but(
        status="parse_failed",
        error=f"{name}: {why}; the file is quarantined, the others go on",
        row_errors=[
            {
                "row": None,
                "column": None,
                "expected": "a file the parser can read",
                "found": why,
                "message": "parser process failed",
            }
        ],
        work_dir=str(settings.work_dir() / batch.batch_id),
    )


# imported once by the fork server, so that each file's child starts with them loaded. pandas is here although
# no parser uses it: pyarrow imports it on the first Table.from_pylist, which cost every child 190 ms (a
# register's whole parse is 7 ms)
PARSER_MODULES = [
    "pandas",
    "duckdb",
    "openpyxl",
    "python_calamine",
    "numpy",
    "pyarrow.compute",
    "pyarrow.parquet",
    "chiso.ingest.parse",
    "chiso.sources.limits",
    "chiso.sources.dvc.api766",
    "chiso.sources.dvc.catalogue",
    "chiso.sources.motcua.bieu06",
    "chiso.sources.motcua.dossier",
    "chiso.sources.plans.workbook",
    "chiso.sources.qlvb.register",
]


def _out_of_memory(batch: Batch, limit: int, detail: str = "MemoryError") -> Batch:
    mb = limit >> 20
    error = (
        f"{batch.file_name}: out of memory: parsing needed more than the {mb:,} MB allowed "
        f"(CHISO_PARSE_MEMORY_MB; {detail}); the file is quarantined, the others go on"
    )
    log.warning("%s", error)
    return batch.but(
        status="parse_failed",
        error=error,
        row_errors=[
            {
                "row": None,
                "column": None,
                "expected": f"parsing within {mb:,} MB",
                "found": "more memory needed",
                "message": "out of memory",
            }
        ],
        work_dir=str(settings.work_dir() / batch.batch_id),
    )


def _child(batch: Batch, limit: int, writer, environ: dict[str, str]) -> None:
    import json
    import resource

    os.environ.clear()
    os.environ.update(environ)
    try:
        # the address space the parser may add to what the forked process already maps (its imports)
        with open("/proc/self/statm") as fh:
            mapped = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (mapped + limit, mapped + limit))
        try:
            out = _parse_here(batch)
        except MemoryError:
            out = batch.but(status="parse_failed", error="MemoryError")
        writer.send(json.dumps(out.to_json()))
    except MemoryError:
        os._exit(70)
    finally:
        writer.close()
    os._exit(0)  # no atexit handlers, no flush of inherited buffers twice


def _parse_here(batch: Batch) -> Batch:
    """Parse one landed file into Parquet tables under the work folder (in this process)."""
    from chiso import sources
    from chiso.sources.base import ParseError, WrittenTable
    from chiso.sources.tables import write_parquet

    path = Path(batch.landed.landed_path)
    out_dir = settings.work_dir() / batch.batch_id
    out_dir.mkdir(parents=True, exist_ok=True)
    for d in (settings.work_dir(), out_dir):  # parsed rows are personal data too
        os.chmod(d, 0o700)
    batch = batch.but(work_dir=str(out_dir))
    try:
        parsed = sources.parse(
            path, out_dir=out_dir
        )  # large tables are streamed to out_dir as they are parsed
    except MemoryError:
        raise
    except ParseError as exc:
        log.warning("parse failed: %s", exc)
        return batch.but(
            status="parse_failed",
            error=str(exc),
            row_errors=[asdict(exc.error)],
            rows_read=exc.__dict__.get("rows_read", 0),
        )
    except Exception as exc:  # an unexpected parser fault quarantines the file, never the run
        log.exception("parser crashed on %s", path)
        return batch.but(
            status="parse_failed", error=f"{path.name}: parser error {type(exc).__name__}: {exc}"
        )
    tables = {}
    for dataset, table in parsed.tables.items():
        if isinstance(table, WrittenTable):
            tables[dataset] = str(table.path)
            continue
        target = out_dir / f"{dataset}.parquet"
        write_parquet(table, target)
        tables[dataset] = str(target)
    rejects_file = out_dir / "rejects.parquet"
    if parsed.rejects:
        _write_rejects(parsed.rejects, rejects_file)
    else:
        rejects_file.unlink(missing_ok=True)  # from an earlier attempt
    main = parsed.tables.get(parsed.main_dataset)
    supersede_key = "|".join(
        [
            parsed.format,
            coverage_scope(parsed.main_dataset, main) if main is not None else "",
            str(parsed.period_start),
            str(parsed.period_end),
        ]
    )
    status, error = "parsed", None
    problem = period_problem(path.name, parsed.main_dataset, tables.get(parsed.main_dataset), parsed.period_start,
                             parsed.period_end)
    if problem is not None:
        where = path.name + (f", row {problem['row']}" if problem["row"] else "") + (
            f", column {problem['column']}" if problem["column"] else "")
        error = f"{where}: expected {problem['expected']}, found {problem['found']} ({problem['message']})"
        return batch.but(status="parse_failed", error=error, row_errors=[problem], format=parsed.format,
                         dataset=parsed.main_dataset, period_start=parsed.period_start,
                         period_end=parsed.period_end, rows_read=parsed.rows_read)
    share = settings.max_reject_share(parsed.source_system)
    if parsed.rows_read and parsed.rows_rejected / parsed.rows_read > share:
        status = "parse_failed"
        error = (
            f"{path.name}: {parsed.rows_rejected} of {parsed.rows_read} rows rejected, over the "
            f"{share:.0%} allowed; first: " + "; ".join(e.describe(path.name) for e in parsed.rejects[:3])
        )
    return batch.but(
        status=status,
        error=error,
        format=parsed.format,
        dataset=parsed.main_dataset,
        period_start=parsed.period_start,
        period_end=parsed.period_end,
        rows_read=parsed.rows_read,
        rows_accepted=parsed.rows_accepted,
        rows_rejected=parsed.rows_rejected,
        row_errors=[asdict(e) for e in parsed.rejects[:ROW_ERRORS_KEPT]],
        tables=tables,
        supersede_key=supersede_key,
        meta=to_jsonable(parsed.meta),
    )


def parse(batches: list[Batch]) -> list[Batch]:
    """Parse the landed batches of a chunk (a batch refused at landing passes through as it is), in order.

    The files that go to a child (workbooks, large JSON) are parsed ``CHISO_PARSE_WORKERS`` at a time, while
    this process streams the others (CSV, small JSON) through DuckDB: a chunk of small workbooks is bounded by
    the cores, not by one child after another. Each child keeps its own memory limit."""
    from concurrent.futures import ThreadPoolExecutor

    limit = settings.parse_memory_bytes()
    out = list(batches)
    landed = [i for i, b in enumerate(batches) if b.status == "landed"]
    with ThreadPoolExecutor(max_workers=settings.parse_workers(), thread_name_prefix="chiso-parse") as pool:
        children = {i: pool.submit(_parse_in_child, batches[i], limit)
                    for i in landed if _needs_child(batches[i], limit)}
        for i in landed:
            if i not in children:
                out[i] = _parse_here(batches[i])
        for i, child in children.items():
            out[i] = child.result()
    return out
