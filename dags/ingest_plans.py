"""airflow DAG: ingestion of the plans source (targets and reported figures; wiring only: the work lives in
plugins/chiso)."""

from chiso.orchestration.dag_factory import make_ingest_dag

dag = make_ingest_dag("plans")
