"""airflow DAG: ingestion of the qlvb source system (wiring only: the work lives in plugins/chiso)."""

from chiso.orchestration.dag_factory import make_ingest_dag

dag = make_ingest_dag("qlvb")
