"""airflow DAG: once a day, every dbt data test on the warehouse (the builds run the key tests only)."""

from chiso.orchestration.dag_factory import make_full_tests_dag

dag = make_full_tests_dag()
