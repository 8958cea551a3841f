"""DAG wiring shared by the ingestion DAGs and the build DAG: which tasks, in which order, in which pool.

The work of each task is in chiso.orchestration.tasks (imported inside the task: the DAG processor parses
these files again and again, and imports nothing heavy).
"""

from __future__ import annotations

import functools
import operator

import pendulum
from airflow.sdk import Asset, chain, dag, task

from chiso.contracts.exports import SOURCE_SYSTEMS
from chiso.orchestration.notifiers import TaskFailureNotifier

WAREHOUSE_POOL = "warehouse_writer"  # one slot: DuckDB takes one writer at a time
START = pendulum.datetime(2023, 1, 1, tz="Asia/Ho_Chi_Minh")
DEFAULT_ARGS = {"owner": "chiso", "retries": 2, "retry_delay": pendulum.duration(minutes=1),
                # a task that fails for good (after its retries) alerts at once, in Vietnamese
                "on_failure_callback": [TaskFailureNotifier()]}

SOURCES = SOURCE_SYSTEMS


def load_pool() -> str:
    """The load tasks' pool: DuckDB's single slot; on PostgreSQL loads run in parallel (Airflow's default pool)."""
    from chiso import settings

    return WAREHOUSE_POOL if settings.warehouse_dialect() == "duckdb" else "default_pool"


def raw_asset(source_system: str) -> Asset:
    return Asset(name=f"raw_{source_system}", uri=f"chiso://warehouse/raw/{source_system}", group="chiso")


MARTS_ASSET = Asset(name="marts", uri="chiso://warehouse/marts", group="chiso")


def make_ingest_dag(source_system: str, schedule: str | None = "@hourly"):
    """discover → land → parse → validate → load (pool) → publish the source's Asset."""

    @dag(
        dag_id=f"ingest_{source_system}",
        description=f"Ingest {SOURCES[source_system]}",
        schedule=schedule,
        start_date=START,
        catchup=False,
        max_active_runs=1,
        tags=["chiso", "ingest", source_system],
        default_args=DEFAULT_ARGS,
        doc_md=__doc__,
    )
    def ingest():
        @task(show_return_value_in_logs=False)
        def land_new_files() -> list[list[dict]]:
            """Store new export files once, by SHA-256; group them into chunks for the next tasks."""
            from chiso.orchestration import tasks

            return tasks.land_new_files(source_system)

        @task(show_return_value_in_logs=False)
        def parse(chunk: list[dict]) -> list[dict]:
            """Parse and normalise into Parquet (no personal identifiers leave this step)."""
            from chiso.orchestration import tasks

            return tasks.parse(chunk)

        @task(show_return_value_in_logs=False)
        def validate(chunk: list[dict]) -> list[dict]:
            """Great Expectations suite of each dataset: error expectations block, warnings notify."""
            from chiso.orchestration import tasks

            return tasks.validate(chunk)

        @task(pool=load_pool(), show_return_value_in_logs=False)
        def load(chunk: list[dict]) -> list[dict]:
            """Write passed batches to the raw layer, quarantine the rest (one writer at a time on DuckDB)."""
            from chiso.orchestration import tasks

            return tasks.load(chunk)

        # the default trigger rule (all_success): a run whose load failed fails, and publishes nothing
        @task(outlets=[raw_asset(source_system)])
        def publish(results: list[list[dict]], **context) -> dict:
            """Summarise the run and emit the source's Asset event for the build DAG, only when something was
            loaded (a skipped task emits no Asset event: no rebuild for a run that landed nothing)."""
            from airflow.exceptions import AirflowSkipException

            from chiso.orchestration import tasks

            summary = tasks.summarise(results, source_system)
            if not summary["loaded"]:
                raise AirflowSkipException(
                    f"nothing loaded ({summary['files']} file(s), "
                    f"{summary['quarantined']} quarantined): no Asset event"
                )
            outlet = context["outlet_events"][raw_asset(source_system)]
            outlet.extra = {k: summary[k] for k in ("files", "loaded", "quarantined", "rows_loaded")}
            return summary

        chunks = land_new_files()
        loaded = load.expand(chunk=validate.expand(chunk=parse.expand(chunk=chunks)))
        publish(loaded)

    return ingest()


def make_build_dag():
    """dbt build (models and their tests) when any source's raw layer changed, then the report."""

    @dag(
        dag_id="build_warehouse",
        description="dbt build of staging → intermediate → marts on the warehouse",
        schedule=functools.reduce(operator.or_, (raw_asset(s) for s in SOURCES)),  # any source's raw layer
        start_date=START,
        catchup=False,
        max_active_runs=1,
        tags=["chiso", "dbt", "build"],
        default_args=DEFAULT_ARGS,
    )
    def build():
        @task(pool=WAREHOUSE_POOL)
        def check_freshness() -> list[dict]:
            """Each source's newest period against its allowed age; stale sources are alerted."""
            from chiso.orchestration import tasks

            return tasks.check_freshness()

        @task(pool=WAREHOUSE_POOL)
        def dbt_seed_and_build() -> dict:
            from chiso.orchestration import tasks

            return tasks.build_warehouse()

        @task(outlets=[MARTS_ASSET])
        def progress_report(build_result: dict) -> str:
            from chiso.orchestration import tasks

            print(tasks.progress_report())
            print("HTML report:", tasks.html_report())
            return build_result.get("summary", "")

        @task(pool=WAREHOUSE_POOL)
        def notify_units(build_result: dict) -> dict:
            """One notice per unit whose status for a KPI with a target changed since the last build."""
            from chiso.orchestration import tasks

            return tasks.unit_notices()

        built = dbt_seed_and_build()
        chain(check_freshness(), built)
        progress_report(built)
        notify_units(built)

    return build()


def _daily_dag(dag_id: str, description: str, schedule: str, tags: list[str], task_id: str, step: str):
    """A scheduled DAG of one task in the warehouse pool that runs ``chiso.orchestration.tasks.<step>()``."""

    @dag(
        dag_id=dag_id,
        description=description,
        schedule=schedule,
        start_date=START,
        catchup=False,
        max_active_runs=1,
        tags=["chiso", *tags],
        default_args=DEFAULT_ARGS,
    )
    def daily():
        @task(task_id=task_id, pool=WAREHOUSE_POOL)
        def run_step() -> dict:
            from chiso.orchestration import tasks

            return getattr(tasks, step)()

        run_step()

    return daily()


def make_digest_dag(schedule: str = "0 7 * * *"):
    """Once a day (07:00, Asia/Ho_Chi_Minh): one message listing every file loaded with data-quality warnings
    since the last digest. Errors are not here: they go at once."""
    return _daily_dag("dq_warning_digest", "the day's data-quality warnings in one message", schedule,
                      ["quality"], "send_warning_digest", "warning_digest")


def make_full_tests_dag(schedule: str = "0 6 * * *"):
    """Once a day (06:00, Asia/Ho_Chi_Minh): every dbt data test on the warehouse, the ones the builds leave out
    included (chiso.warehouse.dbt.SCHEDULED_TESTS); a failing test fails the task, which alerts."""
    return _daily_dag("dq_full_tests", "every dbt data test on the warehouse, once a day", schedule,
                      ["quality", "dbt"], "dbt_test", "full_data_tests")
