"""No secret in the warehouse: an alert's channel is stored as its connection id, never as its URL."""

from __future__ import annotations

from chiso.quality import history
from chiso.warehouse import backend, schema

SECRET_URL = "https://hooks.example.org/services/T000/B000/very-secret-path?token=abc123"


def test_the_alert_table_names_the_connection_not_the_url(chiso_data):
    record = {
        "alert_id": "a1",
        "severity": "error",
        "source_system": "motcua",
        "file": "hoso_04_2025-07.csv",
        "summary": "x",
        "failed": [],
        "action": "quarantined",
        "period": "",
        "dataset": None,
        "units": None,
        "data_docs": None,
        "batch_id": "b1",
        "deliveries": [
            {"channel": "webhook", "target": SECRET_URL, "ok": False, "detail": "timeout"},
            {"channel": "smtp", "target": "smtp://user:pw@mail.example.org:25", "ok": True, "detail": "sent"},
        ],
    }
    with backend.connect() as wh:
        schema.ensure_raw_schema(wh)
        history.write_alert(wh, record, "b1")
        rows = wh.execute("select channel, target from raw.dq_alert order by channel").fetchall()
        everything = str(wh.execute("select * from raw.dq_alert").fetchall())
    assert rows == [("smtp", "connection chiso_smtp"), ("webhook", "connection chiso_webhook")]
    assert "very-secret-path" not in everything and "abc123" not in everything and "pw@" not in everything
