"""Build DAG: runs dbt when any source's raw layer has new data (Asset-scheduled)."""

from chiso.dag_factory import make_build_dag

dag = make_build_dag()
