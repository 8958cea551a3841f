"""Airflow: the DAG factory the dags/ files call, and running the DAGs from the command line."""
