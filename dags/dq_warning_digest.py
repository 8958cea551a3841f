"""airflow DAG: once a day, the data-quality warnings of the files loaded since the last digest, in one message."""

from chiso.orchestration.dag_factory import make_digest_dag

dag = make_digest_dag()
