"""DAG wiring shared by the ingestion DAGs and the build DAG. Imports nothing heavy at module level."""

from __future__ import annotations

import pendulum
from airflow.sdk import Asset, chain, dag, task

WAREHOUSE_POOL = "warehouse_writer"  # one slot: DuckDB takes one writer at a time
START = pendulum.datetime(2023, 1, 1, tz="Asia/Ho_Chi_Minh")
DEFAULT_ARGS = {"owner": "chiso", "retries": 2, "retry_delay": pendulum.duration(minutes=1)}

SOURCES = {
    "motcua": "one-stop-shop (Một cửa điện tử): dossier exports and Biểu 06 reports",
    "qlvb": "document management and operation system (QLVB): document register exports",
    "dvc": "public-service portal (Cổng DVC): service catalogue and 766 evaluation responses",
}


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
        @task
        def land_new_files() -> list[list[dict]]:
            """Store new export files once, by SHA-256; group them into chunks for the next tasks."""
            from chiso.ingest import load as pipeline

            return pipeline.chunk(pipeline.land(source_system))

        @task
        def parse(chunk: list[dict]) -> list[dict]:
            """Parse and normalise into Parquet (no personal identifiers leave this step)."""
            from chiso.ingest import load as pipeline

            return pipeline.parse(chunk)

        @task
        def validate(chunk: list[dict]) -> list[dict]:
            """Great Expectations suite of each dataset: error expectations block, warnings notify."""
            from chiso.ingest import load as pipeline

            return pipeline.validate(chunk)

        @task(pool=WAREHOUSE_POOL)
        def load(chunk: list[dict]) -> list[dict]:
            """Write passed batches to the raw layer, quarantine the rest (one writer at a time)."""
            from chiso.ingest import load as pipeline

            return pipeline.load(chunk)

        @task(outlets=[raw_asset(source_system)], trigger_rule="all_done")
        def publish(results: list[list[dict]], **context) -> dict:
            """Summarise the run and emit the source's Asset event for the build DAG."""
            from chiso.ingest import load as pipeline

            flat = [b for chunk in (results or []) for b in (chunk or [])]
            summary = pipeline.summarise(flat)
            summary["source_system"] = source_system
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
        schedule=(raw_asset("motcua") | raw_asset("qlvb") | raw_asset("dvc")),
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
            from chiso.quality import freshness

            return freshness.check()

        @task(pool=WAREHOUSE_POOL)
        def dbt_seed_and_build() -> dict:
            from chiso.warehouse import dbt as dbt_runner

            return dbt_runner.build()

        @task(outlets=[MARTS_ASSET])
        def progress_report(build_result: dict) -> str:
            from chiso.people import report

            text = report.render_text()
            print(text)
            return build_result.get("summary", "")

        built = dbt_seed_and_build()
        chain(check_freshness(), built)
        progress_report(built)

    return build()
