"""Airflow notifiers of the DAGs: a task that fails for good (after its retries) alerts at once.

``TaskFailureNotifier`` is every DAG's ``on_failure_callback``: it names the DAG, the task, the files the task
was working on (the batch descriptors of a mapped ingestion task) and the log link, in Vietnamese, and hands the
alert to the alert outbox and channels (chiso.quality.alerts). Imported by the DAG files: nothing heavy here.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseNotifier


def files_of(task_kwargs: dict[str, Any] | None) -> list[str]:
    """The file names of the batch descriptors a task was given (``chunk`` or ``results`` of descriptors)."""
    names: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            landed = value.get("landed")
            if isinstance(landed, dict) and landed.get("relative_name"):
                names.append(str(landed["relative_name"]))
            return
        if isinstance(value, (list, tuple)):
            for v in value:
                walk(v)

    for value in (task_kwargs or {}).values():
        walk(value)
    return names


class TaskFailureNotifier(BaseNotifier):
    """One Vietnamese alert per task that failed for good."""

    template_fields = ()

    def notify(self, context: dict[str, Any]) -> None:
        from chiso.quality import alerts

        ti = context.get("ti") or context.get("task_instance")
        task = context.get("task")
        dag_id = getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", "?")
        error = context.get("exception")
        alert = alerts.build_task_failure_alert(
            dag_id=dag_id,
            task_id=getattr(ti, "task_id", None) or getattr(task, "task_id", "?"),
            run_id=getattr(ti, "run_id", None) or context.get("run_id"),
            try_number=getattr(ti, "try_number", None),
            log_url=getattr(ti, "log_url", None),
            files=files_of(getattr(task, "op_kwargs", None)),
            error=f"{type(error).__name__}: {error}" if error is not None else None,
        )
        alerts.dispatch(alert)
