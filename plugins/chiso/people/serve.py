"""`chiso serve`: a small static file server for what people open — the report and the Data Docs.

It serves only ``data/report/`` and ``data/dq/data_docs/`` (never the warehouse, the landing zone, the key or
anything else under the data folder); ``/`` leads to the report. Alert links point here through
``CHISO_PUBLIC_URL`` (e.g. ``http://chiso.tinh.gov.vn:8090``).
"""

from __future__ import annotations

import posixpath
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from chiso import settings

#: URL prefix → folder under the data folder
SERVED = ("report/", "dq/data_docs/")


class Handler(SimpleHTTPRequestHandler):
    def _allowed(self) -> bool:
        path = posixpath.normpath(unquote(urlsplit(self.path).path)).lstrip("/")
        return any(path == p.rstrip("/") or path.startswith(p) for p in SERVED)

    def do_GET(self):  # noqa: N802 - http.server's naming
        if urlsplit(self.path).path in ("", "/"):
            self.send_response(302)
            self.send_header("Location", "/report/index.html")
            self.end_headers()
            return
        if not self._allowed():
            self.send_error(404, None, "Không tìm thấy")
            return
        super().do_GET()

    def do_HEAD(self):  # noqa: N802
        if not self._allowed():
            self.send_error(404, None, "Không tìm thấy")
            return
        super().do_HEAD()

    def list_directory(self, path):
        self.send_error(404, None, "Không tìm thấy")

    def log_message(self, fmt, *args):  # one line per request, no client address (it can identify a person)
        print(f"{self.command} {self.path} {args[1] if len(args) > 1 else ''}", flush=True)


def make_server(host: str, port: int, root: Path | None = None) -> ThreadingHTTPServer:
    root = Path(root or settings.data_dir())
    return ThreadingHTTPServer((host, port), partial(Handler, directory=str(root)))


def serve(host: str = "127.0.0.1", port: int = 8090) -> None:
    server = make_server(host, port)
    print(f"chiso: báo cáo tại http://{host}:{server.server_address[1]}/report/index.html", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
