"""`chiso serve` serves the report and the Data Docs, and nothing else of the data folder."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request

import pytest
from chiso import settings
from chiso.people import serve


@pytest.fixture
def server(chiso_data):
    (chiso_data / "report").mkdir()
    (chiso_data / "report" / "index.html").write_text("<html lang='vi'>Báo cáo</html>", encoding="utf-8")
    (chiso_data / "dq" / "data_docs" / "validations").mkdir(parents=True)
    (chiso_data / "dq" / "data_docs" / "index.html").write_text("docs", encoding="utf-8")
    (chiso_data / "warehouse.duckdb").write_bytes(b"secret rows")
    (chiso_data / ".pii_key").write_text("key", encoding="utf-8")
    srv = serve.make_server("127.0.0.1", 0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str) -> tuple[int, bytes, dict]:
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def test_serves_the_report_and_data_docs_only(server):
    status, body, _ = _get(f"{server}/report/index.html")
    assert status == 200 and "Báo cáo" in body.decode("utf-8")
    assert _get(f"{server}/dq/data_docs/index.html")[0] == 200
    status, _, headers = _get(f"{server}/")
    assert status == 302 and headers["Location"] == "/report/index.html"
    for path in ("/warehouse.duckdb", "/.pii_key", "/report/../.pii_key", "/report/%2e%2e/.pii_key",
                 "/dq/", "/dq/data_docs/validations/", "/landing/"):  # fmt: skip
        status, body, _ = _get(server + path)
        assert status == 404 and b"secret" not in body and body != b"key", path


def test_alert_links_use_the_public_url(chiso_data, monkeypatch):
    monkeypatch.delenv("CHISO_DATA_DOCS_BASE_URL", raising=False)
    monkeypatch.delenv("CHISO_PUBLIC_URL", raising=False)
    assert settings.data_docs_base_url() is None
    monkeypatch.setenv("CHISO_PUBLIC_URL", "http://chiso.tinh.gov.vn:8090/")
    assert settings.data_docs_base_url() == "http://chiso.tinh.gov.vn:8090/dq/data_docs"
    from chiso.quality import data_docs

    page = data_docs.data_docs_dir() / "validations" / "motcua_dossier" / "abc.html"
    assert (
        data_docs.data_docs_url(page)
        == "http://chiso.tinh.gov.vn:8090/dq/data_docs/validations/motcua_dossier/abc.html"
    )
