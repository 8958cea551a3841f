"""airflow DAG: dbt build of the warehouse whenever a source's raw layer changed (Asset-scheduled)."""

from chiso.orchestration.dag_factory import make_build_dag

dag = make_build_dag()
