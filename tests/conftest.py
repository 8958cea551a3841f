"""Shared test set-up: every test gets its own data folder; nothing touches the real data/; nothing outside the
checkout is read.

Reads outside the checkout: every Python process of the session (this one, and through PYTHONPATH every child:
``airflow dags test``, dbt, scripts) records the files and folders it opens in the checkout's parent folder
but outside the checkout (``tests/_outside_reads/sitecustomize.py``). A test during which any such read
happened fails, naming the path: a user's clone has nothing beside it.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
OUTSIDE_READS_LOG = Path(os.environ.get("TMPDIR", "/tmp")) / f"chiso-outside-reads-{os.getpid()}.log"

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
# dbt's parse of a project, shared by the session's warehouses, in a folder of the session's own (not the user's
# cache); removed at the end
_PARSE_CACHE = tempfile.mkdtemp(prefix="chiso-dbt-parse-")
os.environ["CHISO_DBT_PARSE_CACHE"] = _PARSE_CACHE
logging.getLogger("great_expectations").setLevel(logging.WARNING)

# the recorder, in this process and in every child process (inherited environment)
os.environ["PYTEST_OUTSIDE_READS_LOG"] = str(OUTSIDE_READS_LOG)
os.environ["PYTEST_OUTSIDE_READS_CHECKOUT"] = str(REPO)
_RECORDER = REPO / "tests" / "_outside_reads"
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_RECORDER), os.environ.get("PYTHONPATH")]))
OUTSIDE_READS_LOG.unlink(missing_ok=True)
_spec = importlib.util.spec_from_file_location("chiso_outside_reads", _RECORDER / "sitecustomize.py")
_spec.loader.exec_module(importlib.util.module_from_spec(_spec))  # installs the audit hook in this process


def outside_reads() -> list[str]:
    """Paths read outside the checkout so far in this session (by this process or its children)."""
    try:
        return OUTSIDE_READS_LOG.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []


@pytest.fixture(autouse=True)
def _nothing_read_outside_the_checkout():
    before = len(outside_reads())
    yield
    new = outside_reads()[before:]
    if new:
        pytest.fail("read outside the checkout (a clone has nothing beside it):\n  " + "\n  ".join(new[:20]))


def pytest_sessionfinish(session, exitstatus):
    OUTSIDE_READS_LOG.unlink(missing_ok=True)
    shutil.rmtree(_PARSE_CACHE, ignore_errors=True)


@pytest.fixture
def chiso_data(tmp_path, monkeypatch) -> Path:
    """An isolated CHISO_DATA_DIR (incoming, landing, work, quarantine, warehouse)."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("CHISO_DATA_DIR", str(data))
    monkeypatch.setenv("CHISO_PII_KEY", "test-key-not-a-secret")
    for name in ("CHISO_INCOMING_DIR", "CHISO_LANDING_DIR", "CHISO_WORK_DIR", "CHISO_QUARANTINE_DIR",
                 "CHISO_WAREHOUSE"):
        monkeypatch.delenv(name, raising=False)
    return data


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free local port: yields (port, received envelopes)."""
    import socket

    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ctl = Controller(Handler(), hostname="127.0.0.1", port=port)
    ctl.start()
    yield port, received
    ctl.stop()


@pytest.fixture
def http_receiver():
    """A real HTTP receiver of JSON POSTs (a chat webhook): yields (port, [(path, content type, payload)])."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, self.headers["Content-Type"], json.loads(body)))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], received
    server.shutdown()
